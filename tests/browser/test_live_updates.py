"""Live updates in a real browser: the Workloads table changes only the cells that changed and
keeps the reader's focus, selection and open menu; polling stops when nothing is in flight or
after its time limit; a logs reader who scrolled up stays put while lines are appended."""

import re

import pytest
from kubesim.testing import kubesim  # noqa: F401  (the fixture)
from playwright.sync_api import expect

from projects.models import Cluster
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import both_sizes
from workloads.transitions import Transition, apply_transitions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), both_sizes]


@pytest.fixture
def quick_polls(settings):
    """The live server runs in this process: one-second polls keep the tests short."""
    settings.IN_FLIGHT_POLL_SECONDS = 1
    settings.LOGS_POLL_SECONDS = 1


def polls_of(page):
    """The live updates' requests, as they leave (they carry the shown rows)."""
    seen = []
    page.on("request", lambda request: seen.append(request.url) if "x-shown-rows" in request.headers else None)
    return seen


def row(page, workload):
    return page.locator(f"#workload-{workload.pk}")


def test_focus_and_a_text_selection_survive_an_update(
    login, page, live_server, quota, make_workload, quick_polls
):
    steady = make_workload(name="steady", status="running")
    watched = make_workload(name="watched", status="added")
    make_workload(name="going", status="deleting")  # keeps the page polling throughout
    login("member")
    page.goto(f"{live_server.url}/p/vision/workloads/")
    page.get_by_role("link", name="steady").focus()
    # Select the changing row's name (another cell of the same row), and mark that cell's node.
    page.evaluate(
        """id => {
            const cell = document.querySelector(`#workload-${id} td:nth-child(2)`);
            cell.liveMarker = "untouched";
            const range = document.createRange();
            range.selectNodeContents(cell);
            getSelection().removeAllRanges();
            getSelection().addRange(range);
        }""",
        watched.pk,
    )

    apply_transitions([Transition(watched.pk, "pending", "waiting for pods")])
    expect(row(page, watched).locator(".badge")).to_have_text("Pending", timeout=5000)
    expect(row(page, watched)).to_contain_text("waiting for pods")

    assert page.evaluate("() => document.activeElement.textContent") == "steady"
    assert page.evaluate("() => getSelection().toString().trim()") == "watched"
    assert page.evaluate(f"() => document.querySelector('#workload-{watched.pk} td:nth-child(2)').liveMarker") == "untouched"
    expect(row(page, steady).locator(".badge")).to_have_text("Running")

    # A changed cell holding the selection waits for the next poll after the selection goes.
    page.evaluate(
        """id => {
            const range = document.createRange();
            range.selectNodeContents(document.querySelector(`#workload-${id} .badge`));
            getSelection().removeAllRanges();
            getSelection().addRange(range);
        }""",
        watched.pk,
    )
    apply_transitions([Transition(watched.pk, "running", "1 active")])
    page.wait_for_timeout(2500)  # two polls
    expect(row(page, watched).locator(".badge")).to_have_text("Pending")
    assert page.evaluate("() => getSelection().toString()") == "Pending"
    page.evaluate("() => getSelection().removeAllRanges()")
    expect(row(page, watched).locator(".badge")).to_have_text("Running", timeout=5000)
    assert_accessible(page)


def test_an_open_actions_menu_stays_open_across_an_update(
    login, page, live_server, quota, make_workload, quick_polls
):
    watched = make_workload(name="watched", status="added")
    login("member")
    page.goto(f"{live_server.url}/p/vision/workloads/")
    summary = page.get_by_label("Actions for watched", exact=True).first
    summary.focus()
    page.keyboard.press("Enter")  # by keyboard: the menu opens with its first item focused
    menu = page.get_by_role("menu", name="Actions for watched")
    expect(menu.get_by_role("menuitem", name="Delete…")).to_be_visible()

    # Deleting changes the row's status cell and its actions cell (no Delete any more): the
    # status shows at once, the cell with the open menu waits until the menu is closed.
    apply_transitions([Transition(watched.pk, "deleting", "deleting 1 of 1 components")])
    expect(row(page, watched).locator(".badge")).to_have_text("Deleting", timeout=5000)
    page.wait_for_timeout(1500)  # another poll
    expect(menu).to_be_visible()
    expect(menu.get_by_role("menuitem", name="Delete…")).to_be_visible()
    expect(page.get_by_role("menuitem", name="Show details")).to_be_focused()

    # Closed, focus back on its button: the next poll brings the new menu, focus on its button.
    page.keyboard.press("Escape")
    expect(row(page, watched).get_by_role("menuitem", name="Delete…", include_hidden=True)).to_have_count(0, timeout=5000)
    expect(page.get_by_label("Actions for watched", exact=True).first).to_be_focused()
    assert_accessible(page)


def test_polling_stops_when_nothing_is_in_flight_and_a_deleted_row_shows_deleted(
    login, page, live_server, quota, make_workload, quick_polls
):
    going = make_workload(name="going", status="deleting")
    login("member")
    page.goto(f"{live_server.url}/p/vision/workloads/")
    polls = polls_of(page)
    page.wait_for_event("request", predicate=lambda request: "x-shown-rows" in request.headers, timeout=5000)

    apply_transitions([Transition(going.pk, "deleted", "deleted")])
    # The default filter hides Deleted, yet the row stays, Deleted, until the person reloads.
    expect(row(page, going).locator(".badge")).to_have_text("Deleted", timeout=5000)
    expect(page.locator("#workloads-table")).not_to_have_attribute("data-live-url", re.compile(".*"))
    count = len(polls)
    page.wait_for_timeout(2500)  # more than two intervals
    assert len(polls) == count

    page.reload()
    expect(row(page, going)).to_have_count(0)


def test_live_updates_pause_after_their_time_limit_and_resume(
    login, page, live_server, quota, make_workload, quick_polls, settings, screenshot
):
    settings.LIVE_UPDATES_MAX_SECONDS = 2
    watched = make_workload(name="watched", status="added")
    login("member")
    page.goto(f"{live_server.url}/p/vision/workloads/")
    paused = page.get_by_text("Live updates paused.")
    expect(paused).to_be_visible(timeout=5000)
    polls = polls_of(page)
    apply_transitions([Transition(watched.pk, "pending", "waiting for pods")])
    page.wait_for_timeout(1500)
    assert polls == []
    expect(row(page, watched).locator(".badge")).to_have_text("Added")
    screenshot("live-updates-paused")

    page.get_by_role("button", name="Resume live updates").click()
    expect(row(page, watched).locator(".badge")).to_have_text("Pending", timeout=5000)
    expect(paused).to_be_hidden()
    assert_accessible(page)


def chatty_pod(sim, workload):
    sim.create({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": f"{workload.name}-0", "namespace": "vision",
            "annotations": {"kubesim.io/start-seconds": "0", "kubesim.io/log-lines-per-second": "1"},
            "labels": {"devcenter.io/workload-id": str(workload.pk), "devcenter.io/project": "vision"},
        },
        "spec": {"containers": [{"name": "main", "image": "app"}]},
    })


def test_a_scrolled_up_logs_reader_stays_put_and_follow_resumes_at_the_bottom(
    login, page, live_server, quota, cluster, make_workload, kubesim, quick_polls, settings, screenshot  # noqa: F811
):
    settings.LOGS_MAX_LINES = 130
    Cluster.objects.filter(pk=cluster.pk).update(api_url=kubesim.url, token=kubesim.token, verify_ssl=False)
    sim = kubesim.sim
    sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "vision"}})
    workload = make_workload(name="chatty", status="running")
    chatty_pod(sim, workload)
    sim.advance(200)
    login("member")
    page.goto(f"{live_server.url}/p/vision/workloads/{workload.pk}/logs/")
    log = page.locator("pre.logs")
    expect(log).to_contain_text("chatty-0/main log line 200")
    expect(page.get_by_text("Following new lines while the workload runs.")).to_be_visible()
    assert log.evaluate("pre => pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 8")  # at the end

    log.evaluate("pre => { pre.scrollTop = 300; pre.dispatchEvent(new Event('scroll')); }")
    expect(page.get_by_text("Paused — scroll to the bottom to follow.")).to_be_visible()
    sim.advance(5)
    expect(log).to_contain_text("log line 205", timeout=5000)
    assert log.evaluate("pre => pre.scrollTop") == 300  # the reader's place held
    assert log.evaluate("pre => pre.textContent.split('log line 201').length") == 2  # no line twice

    log.evaluate("pre => { pre.scrollTop = pre.scrollHeight; }")
    expect(page.get_by_text("Following new lines while the workload runs.")).to_be_visible()
    sim.advance(30)  # 235 lines: more than the page keeps
    expect(log).to_contain_text("log line 235", timeout=5000)
    assert log.evaluate("pre => pre.children.length") == 130  # the oldest went
    assert log.evaluate("pre => pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 8")  # followed
    screenshot("logs")

    apply_transitions([Transition(workload.pk, "failed", "BackoffLimitExceeded")])
    expect(page.get_by_text("The workload has finished; these are its last lines.")).to_be_visible(timeout=5000)
    expect(page.get_by_text("Following new lines")).to_have_count(0)
    expect(page.locator("h1 .badge")).to_have_text("Failed")
    expect(page.locator("#logs")).not_to_have_attribute("data-logs-url", re.compile(".*"))
    screenshot("logs-finished")
    assert_accessible(page)
