"""End to end with every real part: chromium on the live server, a Celery worker on Redis, kubesim.

A member launches, refreshes, inspects, reads the logs of, opens and deletes workloads as a
person does; nothing is recorded or mocked in between. The worker is the one of the task
tests (tests/tasks/conftest.py: solo pool in a thread, its Redis database flushed before and
after), on a database of its own (BROKER_URL below);
kubesim runs in real time, ten times faster than the wall clock, behind a Cluster row with its
URL and token. Where a test must see an intermediate state (Added, Deleting) before the worker
moves on, kubesim answers that one call slowly, as a busy API server would.
"""

import os
import re
import time
import uuid

import pytest
from kubesim.testing import running_kubesim
from playwright.sync_api import expect

import tests.tasks.conftest as worker_setup
from devcenter.celery import app as celery_app
from projects.models import Cluster, Quota
from tests.browser.conftest import ARTIFACTS, choose
from tests.tasks.conftest import celery_worker, ensure_namespace, wait_for  # noqa: F401  (the fixture)
from workloads.cluster import ClusterConnection, ClusterGateway, workload_selector
from workloads.models import Workload

pytestmark = [pytest.mark.browser, pytest.mark.celery, pytest.mark.django_db(transaction=True)]

GIB = 1024**3
SPEED = 10  # simulated seconds per wall-clock second
SLOW_API = 1.5  # seconds kubesim takes to answer a call a test wants to see in flight
# Not db 14: a tests/tasks run at the same moment (another checkout on this machine) flushes
# that database and its worker takes our messages; seen here as launches that never started.
BROKER_URL = os.environ.get("DEVCENTER_E2E_BROKER_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture
def own_broker_and_cache(monkeypatch, settings):
    """Set up before `celery_worker` (argument order in `e2e`): its Redis database is ours, and
    so are the cache keys: the refresh lock lives in the cache, which every test run of this
    checkout shares (var/cache without REDIS_URL)."""
    monkeypatch.setattr(worker_setup, "BROKER_URL", BROKER_URL)
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"e2e-{uuid.uuid4().hex}"}}


@pytest.fixture
def cluster_sim():
    """kubesim in real time (sped up) with the project's namespace."""
    with running_kubesim(realtime=True, speed=SPEED) as handle:
        ensure_namespace(handle.sim, "vision")
        yield handle


@pytest.fixture
def sim_cluster(live_server, project, member, cluster_sim):
    """The Cluster row pointing at kubesim, and vision's quota on it. Workspaces are published
    under the live server, so "Open workspace" opens a page that loads (a static file)."""
    cluster = Cluster.objects.create(
        name="sim",
        api_url=cluster_sim.url,
        token=cluster_sim.token,
        workload_base_url=f"{live_server.url}/static/css/devcenter.css?workspace=",
        capacity_gpu=24,
        capacity_cpu_millicores=192_000,
        capacity_memory_bytes=1536 * GIB,
    )
    Quota.objects.create(
        project=project, cluster=cluster, namespace="vision", gpu=8, cpu_millicores=32_000, memory_bytes=128 * GIB
    )
    return cluster


@pytest.fixture
def e2e(own_broker_and_cache, celery_worker, sim_cluster, cluster_sim, login):  # noqa: F811
    """Everything running, and the member signed in."""
    assert celery_app.conf.broker_url == BROKER_URL
    login("member")
    return cluster_sim


def launch(page, live_server, *, type_label, name, image, **fields):
    """Fill and submit the launch form as a person does; back on the Workloads page."""
    page.goto(f"{live_server.url}/p/vision/workloads/")
    page.get_by_role("link", name="Launch workload").click()
    page.get_by_label("Type").select_option(label=type_label)
    page.get_by_label("Name").fill(name)
    page.get_by_label("Image").fill(image)
    page.get_by_label("GPU").fill("0")
    page.get_by_label("CPU (cores)").fill("0.5")
    page.get_by_label("Memory (GiB)").fill("1")
    for label, value in fields.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Launch").click()
    page.wait_for_url(f"{live_server.url}/p/vision/workloads/")
    return Workload.objects.get(name=name)


def refresh(page):
    """Click Refresh and wait for the polling table to report the clusters refreshed, with
    a marker on `window` proving the page itself was never reloaded."""
    page.evaluate("window.__e2e_same_page = true")
    # Wait for this refresh's own answer: an earlier "Statuses refreshed." may still be shown.
    with page.expect_response(re.compile(r"/workloads/\?.*refresh_since=")):
        page.get_by_role("button", name="Refresh").click()
    expect(page.get_by_text("Statuses refreshed.")).to_be_visible(timeout=15_000)
    assert page.evaluate("window.__e2e_same_page") is True


def refresh_until(page, row, status, attempts=5):
    """Refresh until the row's badge reads `status` (kubesim may need a moment to get there)."""
    badge = row.locator(".badge")
    for _ in range(attempts):
        refresh(page)
        if badge.inner_text() == status:
            return
        time.sleep(0.5)
    expect(badge).to_have_text(status)


def in_cluster(cluster, workload):
    """(component kinds, pod names) of the workload, as the gateway reads them from kubesim."""
    with ClusterGateway(ClusterConnection.from_record(cluster)) as gateway:
        selector = workload_selector(workload.pk)
        kinds = sorted(c.kind for c in gateway.list_components(selector))
        pods = sorted(p.name for p in gateway.list_pods(selector))
    return kinds, pods


def test_launch_refresh_details_and_logs(e2e, page, live_server, sim_cluster, screenshot):
    # The API server is slow to create the Job: the person sees the workload Added first.
    e2e.sim.faults.add(method="POST", path=r"/apis/batch/v1/namespaces/vision/jobs", delay=SLOW_API)
    workload = launch(page, live_server, type_label="Training", name="e2e-train", image="python:3.12",
                      Command="python train.py --epochs 3")
    expect(page.get_by_role("status").first).to_contain_text("e2e-train launched on sim: Added")
    row = page.locator(f"#workload-{workload.pk}")
    expect(row.locator(".badge")).to_have_text("Added")
    expect(row.locator(".refreshed")).to_have_text("not refreshed yet")
    expect(row).to_contain_text("0.5")  # CPU cores as asked
    screenshot("e2e-launch-added")

    # The worker creates the Job in kubesim; kubesim schedules and starts its pod.
    kinds, pods = wait_for(lambda: all(found := in_cluster(sim_cluster, workload)) and found,
                           message="the Job and its pod in kubesim")
    assert kinds == ["Job"] and len(pods) == 1
    job = e2e.sim.list("Job", "vision", label_selector=workload_selector(workload.pk))[0]
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["python", "train.py", "--epochs", "3"]

    refresh_until(page, row, "Running")
    screenshot("e2e-launch-running")

    # Details: the Job component and its state; the history shows Added -> Pending -> Running.
    row.locator("summary[aria-haspopup=menu]").click()
    page.get_by_role("menuitem", name="Show details").click()
    expect(page.get_by_role("heading", name=re.compile("e2e-train"))).to_be_visible()
    components = page.locator("section.card").filter(has=page.get_by_role("heading", name="Components"))
    job_row = components.locator("tbody tr").filter(has_text="Job")
    expect(job_row).to_have_count(1)
    expect(job_row.locator(".badge")).to_have_text("Running")
    expect(job_row).to_contain_text(job["metadata"]["name"])
    history = page.locator("section.card").filter(has=page.get_by_role("heading", name="Status history"))
    expect(history).to_contain_text("Pending")
    expect(history.locator("tbody tr").first.locator(".badge").last).to_have_text("Running")
    expect(history.locator("tbody tr").last.locator(".badge")).to_have_text("Added")
    screenshot("e2e-details")

    # Logs: lines from kubesim's pod, and more of them while it runs.
    page.get_by_role("link", name="View logs").click()
    logs = page.locator("pre.logs")
    expect(logs).to_contain_text(f"{pods[0]}/main log line ")
    expect(page.get_by_text("Following new lines while the workload runs.")).to_be_visible()
    last = max(int(n) for n in re.findall(r"log line (\d+)", logs.inner_text()))
    expect(logs).to_contain_text(re.compile(rf"log line {last + 15}\b"), timeout=10_000)  # ~1.5 s of sim time later
    screenshot("e2e-logs")


def test_delete_through_the_worker(e2e, page, live_server, sim_cluster, screenshot):
    workload = launch(page, live_server, type_label="Training", name="e2e-doomed", image="python:3.12")
    wait_for(lambda: all(in_cluster(sim_cluster, workload)), message="the Job and its pod in kubesim")
    row = page.locator(f"#workload-{workload.pk}")
    refresh_until(page, row, "Running")

    # The API server takes its time with the DELETE: the row says Deleting meanwhile.
    e2e.sim.faults.add(method="DELETE", path=r"/jobs/", delay=SLOW_API)
    summary = row.locator("summary[aria-haspopup=menu]")
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("menuitem", name="Show details")).to_be_focused()
    page.keyboard.press("End")
    expect(page.get_by_role("menuitem", name="Delete…")).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Delete e2e-doomed?")
    dialog.get_by_role("button", name="Delete workload").click()
    expect(page.get_by_role("status").first).to_contain_text("Deletion of e2e-doomed queued.")
    expect(row.locator(".badge")).to_have_text("Deleting")
    screenshot("e2e-delete-deleting")

    # The worker deletes the Job, and kubesim's garbage collector its pod.
    wait_for(lambda: in_cluster(sim_cluster, workload) == ([], []), message="the Job and its pod gone")
    assert e2e.sim.list("Job", "vision") == [] and e2e.sim.list("Pod", "vision") == []

    # No Refresh needed: the table follows a Deleting row, which stays in view showing Deleted
    # (it does not vanish under the reader) until the page is loaded again.
    expect(row.locator(".badge")).to_have_text("Deleted", timeout=15_000)
    page.reload()
    expect(row).to_have_count(0)
    refresh(page)
    expect(row).to_have_count(0)
    choose(page, "status", ["Deleted"])
    page.wait_for_url(re.compile(r"status=deleted"))
    expect(row.locator(".badge")).to_have_text("Deleted")
    expect(row.get_by_role("menuitem", name="Delete…", include_hidden=True)).to_have_count(0)
    screenshot("e2e-delete-deleted")


def test_workspace_runs_and_opens_in_a_new_tab(e2e, page, live_server, sim_cluster, screenshot, settings):
    settings.WORKSPACE_AUTH_URL = f"{live_server.url}/auth/workspace/"  # so the launch publishes an Ingress
    workload = launch(page, live_server, type_label="Workspace", name="e2e-notebook", image="jupyter/base:2024")
    row = page.locator(f"#workload-{workload.pk}")
    kinds, _ = wait_for(lambda: all(found := in_cluster(sim_cluster, workload)) and found,
                        message="the workspace's pod in kubesim")
    # Open workspace is offered once the refresh has seen the Service and the Ingress routing it.
    assert kinds == ["Deployment", "Ingress", "NetworkPolicy", "Service"]
    refresh_until(page, row, "Running")
    expect(row.locator(".status-reason")).to_have_text("Deployment: 1 of 1 ready")
    screenshot("e2e-workspace-running")

    row.locator("summary[aria-haspopup=menu]").click()
    link = page.get_by_role("menuitem", name=re.compile("Open workspace"))
    expected = f"{live_server.url}/static/css/devcenter.css?workspace=/vision/e2e-notebook/"
    expect(link).to_have_attribute("href", expected)
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    screenshot("e2e-workspace-menu")
    with page.context.expect_page() as popup_info:
        link.click()
    popup = popup_info.value
    popup.wait_for_load_state()
    assert popup.url == expected
    assert popup.evaluate("window.opener") is None
    assert popup.evaluate("document.referrer") == ""
    popup.screenshot(path=str(ARTIFACTS / "e2e-workspace-tab.png"))
    popup.close()
