"""The pages work under the enforced Content-Security-Policy in a real browser: no violation
while a person filters, sorts, opens menus, edits quotas and removes a member; the polling
table (workloads.js, no eval'd htmx trigger filter) merges around an open menu."""

import re

import pytest
from playwright.sync_api import expect

from projects.models import Membership, Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def csp_violations(page):
    """Chromium reports every refused script, style or eval on the console."""
    seen = []
    page.on("console", lambda message: seen.append(message.text) if "Content Security Policy" in message.text else None)
    return seen


def test_pages_run_without_a_csp_violation(
    login, page, live_server, project, project_admin, make_user, quota, make_workload, csp_violations, screenshot
):
    for i in range(3):
        make_workload(name=f"train-{i}", status="running", requested_gpu=1)
    make_workload(name="going-away", status="deleting")  # the table polls
    login("lead")

    page.goto(f"{live_server.url}/p/vision/workloads/")
    assert page.evaluate("[htmx.config.allowEval, htmx.config.includeIndicatorStyles, htmx.config.allowScriptTags]") == [
        False, False, False,
    ]
    assert page.locator("head style").count() == 0  # htmx injected no inline <style>
    page.get_by_label("Name").fill("train-1")
    page.get_by_label("Name").press("Enter")
    page.wait_for_url(re.compile(r"name=train-1"))
    expect(page.locator("table#workloads tbody tr")).to_have_count(1)
    page.locator("table#workloads thead").get_by_role("link", name="Name").click()
    page.wait_for_url(re.compile(r"sort=name"))
    page.get_by_label("Actions for train-1", exact=True).first.click()
    page.get_by_role("menuitem", name="Show details").click()
    expect(page.get_by_role("heading", name=re.compile("train-1"))).to_be_visible()

    page.goto(f"{live_server.url}/p/vision/quotas/")
    bar = page.locator(".bar:not(.cluster) rect").first
    assert bar.get_attribute("width") == "38%"  # 3 of 8 GPUs
    assert 0 < bar.bounding_box()["width"] < page.locator(".bar:not(.cluster)").first.bounding_box()["width"]
    screenshot("quotas-under-csp")

    # Remove asks first (static confirm.js, not an inline onsubmit): "Cancel" keeps, "OK" removes.
    newcomer = make_user("newcomer")
    Membership.objects.create(user=newcomer, project=project, role=Role.MEMBER)
    page.goto(f"{live_server.url}/p/vision/members/")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Remove newcomer").click()
    expect(page.get_by_role("row").filter(has_text="newcomer")).to_have_count(1)
    assert asked == ["Remove newcomer from Vision?"]
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove newcomer").click()
    expect(page.locator(".messages")).to_contain_text("newcomer removed")
    assert not Membership.objects.filter(user=newcomer).exists()

    assert csp_violations == []


def test_admin_site_runs_without_a_csp_violation(login, page, live_server, django_user_model, csp_violations):
    django_user_model.objects.create_superuser("root", password="correct-horse-battery")
    login("root")
    page.goto(f"{live_server.url}/admin/")
    page.get_by_role("link", name="Workloads").first.click()
    page.goto(f"{live_server.url}/admin/projects/project/add/")
    expect(page.get_by_role("heading", name=re.compile("Add project"))).to_be_visible()
    assert csp_violations == []


def test_polling_table_keeps_an_open_menu_open(login, page, live_server, member, quota, make_workload, csp_violations):
    make_workload(name="steady", status="running")
    make_workload(name="going-away", status="deleting")
    login("member")
    page.goto(f"{live_server.url}/p/vision/workloads/")
    expect(page.locator("#workloads-table[data-live-url]")).to_have_count(1)
    polls = []
    page.on("request", lambda request: polls.append(request.url) if request.headers.get("hx-request") else None)

    page.get_by_label("Actions for steady", exact=True).first.click()
    page.wait_for_timeout(6000)  # longer than the 5 s poll: it ran, and merged around the open menu
    assert polls
    expect(page.get_by_role("menu", name="Actions for steady")).to_be_visible()
    assert csp_violations == []
