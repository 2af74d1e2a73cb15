"""The Workloads table in a real browser, on both screen sizes: page size applies on change,
Select all / Clear in the status filter, Escape and outside clicks close dropdowns, sort by GPU,
status colours and icons pass axe-core."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import both_sizes
from workloads.status import WorkloadStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), both_sizes]


@pytest.fixture
def sixty(live_server, member, quota, make_workload):
    """60 workloads: one in every status, the rest Running, GPUs 0..7."""
    now = timezone.now()
    statuses = list(WorkloadStatus.values)
    for i in range(60):
        make_workload(name=f"job-{i:02d}", status=statuses[i] if i < len(statuses) else "running",
                      requested_gpu=i % 8, created_at=now - timedelta(minutes=i),
                      status_reason="ImagePullBackOff" if statuses[i % 10] == "failed" and i < 10 else "")


def rows(page):
    return page.locator("table#workloads tbody tr")


def test_page_size_select_all_clear_escape_and_sort(login, page, live_server, sixty, screenshot, viewport):
    login("member")
    page.goto(f"{live_server.url}/p/vision/workloads/")
    expect(rows(page)).to_have_count(25)
    expect(page.locator(".pager .current")).to_have_text("Page 1 of 3")
    expect(page.locator(".pager .total")).to_have_text("59 workloads")  # all but the Deleted one

    # Rows per page applies on change, through htmx (no full load), and the URL keeps it.
    page.evaluate("window.__same_document = true")
    page.locator("#per_page").select_option("50")
    page.wait_for_url(re.compile(r"per_page=50"))
    expect(rows(page)).to_have_count(50)
    expect(page.locator(".pager .current")).to_have_text("Page 1 of 2")
    assert page.evaluate("window.__same_document") is True
    assert "status=" not in page.url  # the default statuses ticked send no status: the URL stays short
    expect(page.locator("#status-summary")).to_have_text("All but Deleted")

    # The status filter shows its default as ticked boxes, with counts for the current filter.
    status = page.locator("details.choice-filter:has(#id_status_0)")
    status.locator("summary").click()
    boxes = status.locator("input[type=checkbox]")
    expect(boxes).to_have_count(10)
    assert [box.is_checked() for box in boxes.all()] == [value != "deleted" for value in WorkloadStatus.values]
    expect(page.locator("#status-count-running")).to_contain_text("51")
    screenshot("workloads-table-status-filter")

    # Clear unticks every box; ticking one then shows exactly it.
    status.get_by_role("button", name="Clear").click()
    assert not any(box.is_checked() for box in boxes.all())
    status.get_by_label("Failed", exact=True).check()
    page.wait_for_url(re.compile(r"status=failed"))
    expect(rows(page)).to_have_count(1)
    expect(page.locator(".pager .total")).to_have_text("1 workload")
    # Select all: every status, Deleted included.
    status.get_by_role("button", name="Select all").click()
    page.wait_for_url(re.compile(r"status=deleted"))
    expect(page.locator(".pager .total")).to_have_text("60 workloads")
    expect(page.locator("#status-summary")).to_have_text("10 chosen")

    # Escape closes the dropdown and gives focus back to its button.
    status.get_by_label("Running", exact=True).focus()
    page.keyboard.press("Escape")
    expect(status).not_to_have_attribute("open", "")
    expect(status.locator("summary")).to_be_focused()
    # A click outside closes it too.
    status.locator("summary").click()
    expect(status).to_have_attribute("open", "")
    page.get_by_role("heading", name="Workloads").click()
    expect(status).not_to_have_attribute("open", "")

    # Sort by GPU through the header, most first; the filters and page size stay.
    header = page.locator("table#workloads thead").get_by_role("link", name="GPU")
    header.click()
    page.wait_for_url(re.compile(r"sort=gpu"))
    header = page.locator("table#workloads thead").get_by_role("link", name="GPU")
    header.click()
    page.wait_for_url(re.compile(r"sort=-gpu"))
    gpus = [int(text) for text in page.locator("table#workloads tbody td:nth-child(5)").all_inner_texts()]
    assert gpus == sorted(gpus, reverse=True) and gpus[0] == 7 and len(gpus) == 50
    assert "per_page=50" in page.url

    # Lifecycle order and every status's badge (Running left out: it is most of the rows), then
    # the page as a person sees it.
    others = [value for value in WorkloadStatus.values if value != "running"]
    page.goto(f"{live_server.url}/p/vision/workloads/?sort=status&status=" + "&status=".join(others))
    badges = page.locator("table#workloads tbody td:nth-child(8) .badge").all_inner_texts()
    assert badges == [WorkloadStatus(value).label for value in others]
    screenshot("workloads-table")
    assert_accessible(page)


def test_empty_result_offers_clear_filters(login, page, live_server, sixty):
    login("member")
    page.goto(f"{live_server.url}/p/vision/workloads/")
    page.get_by_label("Name").fill("nothing-like-this")
    page.get_by_label("Name").press("Enter")
    expect(page.locator("table#workloads tbody")).to_contain_text("No workloads match these filters.")
    page.locator("table#workloads tbody").get_by_role("link", name="Clear filters").click()
    page.wait_for_url(f"{live_server.url}/p/vision/workloads/")
    expect(rows(page)).to_have_count(25)
    assert_accessible(page)
