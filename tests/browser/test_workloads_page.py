"""A person uses the Workloads page in a real browser: filters, pages, menu, delete, workspace, details, logs."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from kubesim.testing import kubesim  # noqa: F401  (the fixture)
from playwright.sync_api import expect

from projects.models import Cluster, Membership, Project, Quota, Role
from tests.browser.conftest import choose
from tests.conftest import record_published
from workloads import task_names
from workloads.models import Component, StatusChange, Workload
from workloads.status import ComponentState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GIB = 1024**3


@pytest.fixture
def queued_deletes(monkeypatch):
    """No Celery worker runs in these tests: record the queued deletes instead of publishing them
    (a stray message on the shared test broker would reach the worker suite)."""
    return record_published(monkeypatch, task_names.DELETE_WORKLOAD)


@pytest.fixture
def vision(live_server, member, quota, project, cluster, make_workload):
    """30 workloads in vision (a page and a bit), one of each type and the statuses that matter."""
    now = timezone.now()
    nlp = Project.objects.create(name="nlp", display_name="NLP")
    Quota.objects.create(project=nlp, cluster=cluster)
    Membership.objects.create(user=member, project=nlp, role=Role.MEMBER)
    Workload.objects.create(project=nlp, cluster=cluster, name="nlp-only-job", type="training",
                            namespace="nlp", created_by_name="member", status="running")
    specs = [
        ("llama-3-download", "model-download", "complete", "", 0, 1000, 4),
        ("bert-serve", "inference", "running", "2 of 2 replicas ready", 1, 4000, 16),
        ("resnet-train", "training", "failed", "ImagePullBackOff: image not found", 2, 8000, 32),
        ("gpt-pretrain", "pre-training", "pending", "0 of 4 workers scheduled", 8, 32000, 256),
        ("llama-finetune", "fine-tuning", "delete-failed", "Forbidden: cannot delete job", 1, 4000, 32),
        ("mmlu-eval", "evaluation", "terminated", "", 1, 2000, 8),
        ("alice-notebook", "workspace", "running", "1 of 1 replicas ready", 1, 500, 4),
        ("bob-notebook", "workspace", "pending", "0 of 1 replicas ready", 1, 500, 4),
        ("found-in-cluster", "custom", "unknown", "", 0, 250, 1),
        ("old-download", "model-download", "deleted", "", 0, 1000, 4),
    ]
    made = {}
    for minutes, (name, wtype, status, reason, gpu, cpu, mem) in enumerate(specs):
        made[name] = make_workload(
            name=name, type=wtype, status=status, status_reason=reason, requested_gpu=gpu,
            requested_cpu_millicores=cpu, requested_memory_bytes=mem * GIB,
            created_at=now - timedelta(minutes=minutes + 1),
        )
    Cluster.objects.filter(pk=cluster.pk).update(last_seen_at=now - timedelta(seconds=12))  # its last refresh
    made["alice-notebook"].workspace_url = f"{live_server.url}/static/css/devcenter.css?workspace=alice"
    made["alice-notebook"].save(update_fields=["workspace_url"])
    for kind in ("Service", "Ingress"):  # what the refresh saw: its URL answers (Open workspace is offered)
        Component.objects.create(workload=made["alice-notebook"], kind=kind, api_version="v1", name="alice-notebook",
                                 namespace="vision", state=ComponentState.COMPLETED)
    for i in range(20):
        make_workload(name=f"sweep-{i:02d}", type="training", status="complete",
                      created_at=now - timedelta(hours=1, minutes=i), requested_cpu_millicores=1000,
                      requested_memory_bytes=2 * GIB)
    return made


def test_browse_filter_page_and_switch_project(login, page, live_server, vision, screenshot):
    login("member")
    page.goto(f"{live_server.url}/p/vision/workloads/")
    expect(page.get_by_role("heading", name="Workloads")).to_be_visible()
    table = page.locator("table#workloads")
    expect(table.locator("tbody tr")).to_have_count(25)
    expect(table).not_to_contain_text("old-download")  # Deleted hidden by default
    screenshot("workloads-list")

    # Filter by status: only the table swaps, and the URL follows.
    choose(page, "status", ["Failed"])
    page.wait_for_url(re.compile(r"status=failed"))
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("resnet-train")
    expect(table).not_to_contain_text("llama-finetune")  # Delete Failed is not Failed

    # Several types, all statuses back.
    choose(page, "status", [])
    choose(page, "type", ["Workspace", "Model Download"])
    expect(page.locator("#type-summary")).to_have_text("Model Download, Workspace")
    page.wait_for_url(re.compile(r"type=workspace"))
    expect(page.locator("table#workloads tbody tr")).to_have_count(3)  # 2 workspaces, 1 live download
    expect(page.locator("table#workloads")).to_contain_text("alice-notebook")
    screenshot("workloads-list-filtered")

    # Clear filters, then page forward and back.
    page.get_by_role("link", name="Clear filters").click()
    page.wait_for_url(f"{live_server.url}/p/vision/workloads/")
    page.get_by_role("link", name="Next →").click()
    page.wait_for_url(re.compile(r"cursor="))  # Next carries a keyset cursor
    expect(page.locator(".pager .current")).to_have_text("Page 2 of 2")
    expect(page.locator("table#workloads tbody tr")).to_have_count(4)
    page.get_by_role("link", name="← Previous").click()
    page.wait_for_url(f"{live_server.url}/p/vision/workloads/")
    expect(page.locator("table#workloads tbody tr")).to_have_count(25)
    page.go_back()  # to the page Next showed (the back button works with cursors)
    expect(page.locator(".pager .current")).to_have_text("Page 2 of 2")
    page.go_back()
    page.wait_for_url(f"{live_server.url}/p/vision/workloads/")
    expect(page.locator(".pager .current")).to_have_text("Page 1 of 2")
    expect(page.locator("table#workloads tbody tr")).to_have_count(25)

    # Sort by name through the header.
    page.locator("table#workloads thead").get_by_role("link", name="Name").click()
    page.wait_for_url(re.compile(r"sort=name"))
    expect(page.locator("table#workloads tbody tr").first).to_contain_text("alice-notebook")

    # Switch project with the picker.
    page.get_by_label("Switch project").click()
    page.get_by_role("link", name=re.compile("NLP")).click()
    page.wait_for_url(f"{live_server.url}/p/nlp/workloads/")
    expect(page.locator("table#workloads")).to_contain_text("nlp-only-job")
    expect(page.locator("table#workloads")).not_to_contain_text("bert-serve")


def test_actions_menu_by_keyboard_and_delete_with_confirmation(
    login, page, live_server, vision, queued_deletes, screenshot
):
    login("member")
    page.goto(f"{live_server.url}/p/vision/workloads/?type=inference")
    summary = page.get_by_label("Actions for bert-serve", exact=True).first
    summary.focus()
    page.keyboard.press("Enter")
    menu = page.get_by_role("menu", name="Actions for bert-serve")
    expect(menu).to_be_visible()
    expect(page.get_by_role("menuitem", name="Show details")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("menuitem", name="View logs")).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(summary).to_be_focused()

    # Open again and delete with the keyboard; the dialog names the workload.
    page.keyboard.press("Enter")
    page.keyboard.press("End")
    expect(page.get_by_role("menuitem", name="Delete…")).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Delete bert-serve?")
    screenshot("workloads-delete-dialog")
    dialog.get_by_role("button", name="Delete workload").click()
    page.wait_for_url(re.compile(r"type=inference"))
    expect(page.get_by_role("status").first).to_contain_text("Deletion of bert-serve queued.")
    row = page.locator(f"#workload-{vision['bert-serve'].pk}")
    expect(row.locator(".badge")).to_have_text("Deleting")
    expect(row.get_by_role("menuitem", name="Delete…")).to_have_count(0)
    assert queued_deletes == [vision["bert-serve"].pk]


def test_open_workspace_in_a_new_tab(login, page, live_server, vision):
    login("member")
    page.goto(f"{live_server.url}/p/vision/workloads/?type=workspace")
    page.get_by_label("Actions for alice-notebook", exact=True).first.click()
    link = page.get_by_role("menuitem", name=re.compile("Open workspace"))
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("rel") == "noopener noreferrer"
    with page.context.expect_page() as popup_info:
        link.click()
    popup = popup_info.value
    popup.wait_for_load_state()
    assert popup.url == f"{live_server.url}/static/css/devcenter.css?workspace=alice"
    assert popup.evaluate("window.opener") is None  # rel=noopener
    popup.close()

    page.keyboard.press("Escape")
    page.get_by_label("Actions for bob-notebook", exact=True).first.click()
    expect(page.get_by_role("menuitem", name="Show details")).to_be_visible()
    # Pending: no Open workspace in its menu (its details page says why).
    expect(page.get_by_role("menuitem", name=re.compile("Open workspace"))).to_have_count(0)


def test_details_and_logs(login, page, live_server, vision, kubesim, screenshot):  # noqa: F811
    Cluster.objects.update(api_url=kubesim.url, token=kubesim.token)
    sim = kubesim.sim
    sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "vision"}})
    workload = vision["bert-serve"]
    now = timezone.now()
    Workload.objects.filter(pk=workload.pk).update(started_at=now - timedelta(minutes=1, seconds=30),
                                                   created_at=now - timedelta(minutes=2))
    Component.objects.create(workload=workload, kind="Deployment", api_version="apps/v1", name="bert-serve",
                             namespace="vision", state="running", reason="2 of 2 replicas ready")
    Component.objects.create(workload=workload, kind="Service", api_version="v1", name="bert-serve",
                             namespace="vision", state="completed")
    StatusChange.objects.create(workload=workload, from_status="", to_status="added", at=now - timedelta(minutes=2))
    StatusChange.objects.create(workload=workload, from_status="added", to_status="pending",
                                reason="0 of 2 replicas ready", at=now - timedelta(minutes=1, seconds=50))
    StatusChange.objects.create(workload=workload, from_status="pending", to_status="running",
                                reason="2 of 2 replicas ready", at=now - timedelta(minutes=1, seconds=30))
    sim.create({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "bert-serve-7d9f-abcde", "namespace": "vision",
                     "labels": {"devcenter.io/workload-id": str(workload.pk), "devcenter.io/project": "vision"},
                     "annotations": {"kubesim.io/start-seconds": "0", "kubesim.io/log-lines-per-second": "1"}},
        "spec": {"containers": [{"name": "main", "image": "vllm"}]},
    })
    sim.advance(4)

    login("member")
    page.goto(f"{live_server.url}/p/vision/workloads/?type=inference")
    page.get_by_label("Actions for bert-serve", exact=True).first.click()
    page.get_by_role("menuitem", name="Show details").click()
    expect(page.get_by_role("heading", name=re.compile("bert-serve"))).to_be_visible()
    expect(page.locator("main")).to_contain_text("2 of 2 replicas ready")
    expect(page.locator("main")).to_contain_text("by member")
    screenshot("workload-details")

    page.get_by_role("link", name="View logs").click()
    expect(page.locator("pre.logs")).to_contain_text("bert-serve-7d9f-abcde/main log line 1")
    sim.advance(5)  # the page follows: new lines arrive without a reload
    expect(page.locator("pre.logs")).to_contain_text("log line 8", timeout=8000)
    screenshot("workload-logs")
