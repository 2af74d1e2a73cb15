"""Why it waits, in a real browser: the reason under the badge and the Waiting time on the row,
then on details the Events panel (Warning first) and the time-to-start bar; axe-core passes."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible
from workloads.models import WorkloadEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WHY = "Waiting for 4 GPUs: 1 free on east (3 short). Lower the request or wait."


@pytest.fixture
def waiting_workload(live_server, member, quota, make_workload):
    now = timezone.now()
    created = now - timedelta(hours=2, minutes=14)
    workload = make_workload(
        name="needs-gpus", status="pending", requested_gpu=4, created_at=created, why=WHY, why_kind="capacity",
        start_timeline={"created": (created + timedelta(seconds=40)).isoformat()},
    )
    make_workload(name="trained", status="running", created_at=now - timedelta(hours=3), started_at=now,
                  start_timeline={"created": (now - timedelta(hours=3)).isoformat()})
    WorkloadEvent.objects.create(workload=workload, event_uid="1", type="Normal", reason="Scheduled",
                                 object_kind="Pod", object_name="needs-gpus-x1", message="assigned", last_seen=now)
    WorkloadEvent.objects.create(
        workload=workload, event_uid="2", type="Warning", reason="FailedScheduling", object_kind="Pod",
        object_name="needs-gpus-x1", count=27, first_seen=created, last_seen=now - timedelta(minutes=1),
        message="0/4 nodes are available: 4 Insufficient nvidia.com/gpu.",
    )
    return workload


def test_row_reason_and_waiting_then_events_and_time_to_start(login, page, live_server, waiting_workload, screenshot):
    login("member")
    page.goto(f"{live_server.url}/p/vision/workloads/")
    row = page.locator(f"#workload-{waiting_workload.pk}")
    reason = row.locator(".why-line")
    expect(reason).to_have_text(WHY)
    expect(reason).to_have_attribute("title", WHY)  # the whole text on hover
    expect(row.locator("td.waiting")).to_have_text("waiting 2 h 14 min")
    line_height = reason.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || e.clientHeight")
    assert reason.bounding_box()["height"] <= line_height * 1.5  # one line
    page.get_by_role("link", name="Waiting").click()
    page.wait_for_url("**sort=waiting**")
    assert_accessible(page)
    screenshot("why-row")

    row.get_by_role("link", name="needs-gpus").click()
    expect(page.locator("#why")).to_have_text(WHY)
    events = page.locator("#events tbody tr")
    expect(events).to_have_count(2)
    expect(events.first).to_contain_text("FailedScheduling")  # Warning first
    expect(events.first).to_contain_text("27")
    bar = page.locator("#time-to-start .start-bar")
    expect(bar).to_have_attribute("aria-label", "Queued 40 s, Scheduling 2 h 13 min so far")
    widths = [float(w.rstrip("%")) for w in bar.locator("rect").evaluate_all("rs => rs.map(r => r.getAttribute('width'))")]
    assert abs(sum(widths) - 100) < 0.1 and len(widths) == 2
    assert_accessible(page)
    screenshot("why-details")
