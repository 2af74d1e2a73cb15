"""Stop and Resume in a real browser, on both screen sizes, with every real part: the member stops
a running Inference workload from its actions menu (confirming first), sees it Terminated with
"Stopped by member", resumes it, and sees it Running again; the worker scales kubesim's
Deployment to zero and back in between."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import both_sizes
from tests.browser.test_end_to_end import (  # noqa: F401  (fixtures)
    cluster_sim,
    e2e,
    own_broker_and_cache,
    refresh_until,
    sim_cluster,
)
from tests.tasks.conftest import celery_worker, wait_for  # noqa: F401  (the fixture)
from workloads.cluster import workload_selector
from workloads.lifecycle.launch_request import Launch, admit
from workloads.models import Workload, WorkloadType

pytestmark = [pytest.mark.browser, pytest.mark.celery, pytest.mark.django_db(transaction=True), both_sizes]
GIB = 1024**3


def open_menu(row):
    """By keyboard, as in the delete test: on the phone layout the table's cells overlap the
    menu button for a pointer (left to the responsive-layout work), never for the keyboard."""
    summary = row.locator("summary[aria-haspopup=menu]")
    summary.focus()
    summary.page.keyboard.press("Enter")


def choose(page, name):
    """Activate a menu item by keyboard (focus, Enter)."""
    item = page.get_by_role("menuitem", name=name)
    item.focus()
    page.keyboard.press("Enter")


def replicas(sim, workload) -> int:
    (deployment,) = sim.list("Deployment", "vision", label_selector=workload_selector(workload.pk))
    return deployment["spec"]["replicas"]


def test_stop_and_resume_from_the_menu(e2e, page, live_server, project, member, sim_cluster, screenshot):  # noqa: F811
    workload = admit(project, sim_cluster, member, Launch(
        "serve-llm", WorkloadType.INFERENCE, 0, 500, GIB,
        {"image": "registry.example/serve:1", "model": "llama-3-8b"},
    ))
    wait_for(lambda: e2e.sim.list("Pod", "vision", label_selector=workload_selector(workload.pk)),
             message="the inference pod in kubesim")
    page.goto(f"{live_server.url}/p/vision/workloads/")
    row = page.locator(f"#workload-{workload.pk}")
    refresh_until(page, row, "Running")

    # Stop asks first: Cancel keeps it running.
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    open_menu(row)
    choose(page, "Stop…")
    expect(row.locator(".badge")).to_have_text("Running")
    assert asked == ["Stop serve-llm? Its pods are scaled to zero and its quota released until you resume it."]
    assert Workload.objects.get(pk=workload.pk).stopped_at is None

    # OK: the row says it is stopping while the worker scales it down.
    asked.clear()
    if not page.get_by_role("menuitem", name="Stop…").is_visible():
        open_menu(row)
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    choose(page, "Stop…")
    expect(page.get_by_role("status").first).to_contain_text("Stopping serve-llm")
    assert asked and asked[0].startswith("Stop serve-llm? Its pods are scaled to zero")
    wait_for(lambda: not Workload.objects.get(pk=workload.pk).scale_pending, message="the stop task")
    assert replicas(e2e.sim, workload) == 0
    wait_for(lambda: not e2e.sim.list("Pod", "vision", label_selector=workload_selector(workload.pk)),
             message="the pods gone")

    refresh_until(page, row, "Terminated")
    expect(row.locator(".status-reason")).to_have_text(re.compile(r"^Stopped by member, \d+ s ago$"))
    open_menu(row)
    expect(page.get_by_role("menuitem", name="Resume")).to_be_visible()
    expect(row.get_by_role("menuitem", name="Stop…")).to_have_count(0)
    assert_accessible(page)
    screenshot("stopped-workload")

    # The details page says who stopped it, and when.
    choose(page, "Show details")
    expect(page.locator("#stopped-by")).to_contain_text("Stopped by member")
    page.go_back()

    # Resume: admitted again, Pending at once, Running once kubesim's pod is up.
    row = page.locator(f"#workload-{workload.pk}")
    open_menu(row)
    choose(page, "Resume")
    expect(page.get_by_role("status").first).to_contain_text("Resuming serve-llm")
    expect(row.locator(".badge")).to_have_text("Pending")
    wait_for(lambda: not Workload.objects.get(pk=workload.pk).scale_pending, message="the resume task")
    assert replicas(e2e.sim, workload) == 1
    refresh_until(page, row, "Running")
    open_menu(row)
    expect(page.get_by_role("menuitem", name="Stop…")).to_be_visible()
    assert_accessible(page)
