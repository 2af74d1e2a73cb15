"""Every page a person reaches, on a laptop and on a phone: axe-core finds no critical or serious
violation, nothing is wider than the screen, and a screenshot is kept for a person to look at
(issue 12's Done-when)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from kubesim.testing import kubesim  # noqa: F401  (the fixture)
from playwright.sync_api import expect

from projects.models import Cluster, Membership, Project, Quota, Role
from tests.browser.accessibility import assert_accessible, assert_fits_viewport
from tests.browser.conftest import both_sizes
from workloads.models import Component, StatusChange
from workloads.status import WorkloadStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), both_sizes]

GIB = 1024**3


@pytest.fixture
def site(live_server, member, project_admin, quota, project, cluster, make_workload):
    """A workload of every status (long names and reasons included), a second project for the
    member (so the chooser shows) and the admin; `site["workloads"]` by status."""
    nlp = Project.objects.create(name="nlp", display_name="NLP research")
    Quota.objects.create(project=nlp, cluster=cluster)
    Membership.objects.create(user=member, project=nlp, role=Role.MEMBER)
    now = timezone.now()
    reasons = {
        WorkloadStatus.PENDING: "0 of 4 workers scheduled: Insufficient nvidia.com/gpu on every node",
        WorkloadStatus.FAILED: "ImagePullBackOff: image registry.example.com/team/trainer:v2 not found",
        WorkloadStatus.DELETE_FAILED: "Forbidden: cannot delete job",
        WorkloadStatus.RUNNING: "2 of 2 replicas ready",
    }
    workloads = {}
    for minutes, status in enumerate(WorkloadStatus):
        workloads[status] = make_workload(
            name=f"{status.value}-llama-3-70b-instruct-finetune", status=status,
            status_reason=reasons.get(status, ""), type="workspace" if status == "running" else "fine-tuning",
            requested_gpu=minutes % 3, requested_cpu_millicores=4000, requested_memory_bytes=32 * GIB,
            created_at=now - timedelta(minutes=minutes + 1),
        )
    return {"workloads": workloads, "url": live_server.url}


def check(page, screenshot, name):
    """The checks every page gets, in the state it is in now."""
    page.wait_for_load_state("networkidle")
    assert_fits_viewport(page)
    assert_accessible(page)
    screenshot(name)


def test_sign_in_page(page, site, screenshot):
    page.goto(f"{site['url']}/accounts/login/")
    check(page, screenshot, "sign-in")
    page.get_by_label("Username").fill("member")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("didn't match")
    check(page, screenshot, "sign-in-error")


def test_workspace_gate_sign_in_page(page, site, screenshot):
    """Where the ingress sends a visitor of a workspace who is not signed in (README, Workspaces)."""
    page.goto(f"{site['url']}/accounts/login/?next=https://workspaces.example.com/vision/running-llama/")
    expect(page.get_by_role("heading", name="Sign in to devcenter")).to_be_visible()
    check(page, screenshot, "workspace-sign-in")


def test_project_chooser(login, page, site, screenshot):
    login("member")
    page.goto(f"{site['url']}/")
    expect(page.get_by_role("heading", name="Choose a project")).to_be_visible()
    check(page, screenshot, "project-chooser")


def test_workloads_page_with_every_status_menu_and_dialog(login, page, site, screenshot):
    login("member")
    page.goto(f"{site['url']}/p/vision/workloads/?status=" + "&status=".join(WorkloadStatus.values))
    rows = page.locator("table#workloads tbody tr")
    expect(rows).to_have_count(len(WorkloadStatus))
    check(page, screenshot, "workloads")

    name = site["workloads"][WorkloadStatus.FAILED].name
    page.get_by_label(f"Actions for {name}", exact=True).first.click()
    expect(page.get_by_role("menu", name=f"Actions for {name}")).to_be_visible()
    check(page, screenshot, "workloads-actions-menu")

    page.get_by_role("menuitem", name="Delete…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Delete {name}?")
    check(page, screenshot, "workloads-delete-dialog")


def test_workload_details(login, page, site, screenshot):
    workload = site["workloads"][WorkloadStatus.RUNNING]
    now = timezone.now()
    Component.objects.create(workload=workload, kind="StatefulSet", api_version="apps/v1", name=workload.name,
                             namespace="vision", state="running", reason="1 of 1 replicas ready")
    Component.objects.create(workload=workload, kind="Service", api_version="v1", name=workload.name,
                             namespace="vision", state="completed")
    StatusChange.objects.create(workload=workload, from_status="", to_status="added", at=now - timedelta(minutes=3))
    StatusChange.objects.create(workload=workload, from_status="added", to_status="pending",
                                reason="0 of 1 replicas ready", at=now - timedelta(minutes=2))
    StatusChange.objects.create(workload=workload, from_status="pending", to_status="running",
                                reason="1 of 1 replicas ready", at=now - timedelta(minutes=1))
    login("member")
    page.goto(f"{site['url']}/p/vision/workloads/{workload.pk}/")
    expect(page.get_by_role("heading", name=workload.name)).to_be_visible()
    check(page, screenshot, "workload-details")


def test_workload_logs(login, page, site, kubesim, screenshot):  # noqa: F811
    Cluster.objects.update(api_url=kubesim.url, token=kubesim.token)
    kubesim.sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "vision"}})
    workload = site["workloads"][WorkloadStatus.COMPLETE]
    kubesim.sim.create({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": f"{workload.name}-worker-0", "namespace": "vision",
                     "labels": {"devcenter.io/workload-id": str(workload.pk), "devcenter.io/project": "vision"},
                     "annotations": {"kubesim.io/start-seconds": "0", "kubesim.io/log-lines-per-second": "2"}},
        "spec": {"containers": [{"name": "trainer", "image": "trainer"}]},
    })
    kubesim.sim.advance(6)
    login("member")
    page.goto(f"{site['url']}/p/vision/workloads/{workload.pk}/logs/")
    expect(page.locator("pre.logs")).to_contain_text("log line 1")
    check(page, screenshot, "workload-logs")


def test_launch_form(login, page, site, screenshot):
    login("member")
    page.goto(f"{site['url']}/p/vision/workloads/launch/")
    expect(page.get_by_role("heading", name="Launch workload")).to_be_visible()
    check(page, screenshot, "launch")
    page.get_by_role("button", name="Launch").click()  # nothing filled in: every error shows
    expect(page.locator(".errorlist").first).to_be_visible()
    check(page, screenshot, "launch-errors")


def test_quotas_as_project_admin(login, page, site, screenshot):
    login("lead")
    page.goto(f"{site['url']}/p/vision/quotas/")
    expect(page.get_by_role("heading", name="Quotas")).to_be_visible()
    check(page, screenshot, "quotas")


def test_members_as_project_admin(login, page, site, screenshot):
    login("lead")
    page.goto(f"{site['url']}/p/vision/members/")
    expect(page.get_by_role("heading", name="Members")).to_be_visible()
    check(page, screenshot, "members")


def test_bulk_delete_confirmation(login, page, site, screenshot):
    ids = [workload.pk for workload in site["workloads"].values()]
    login("member")
    page.goto(f"{site['url']}/p/vision/workloads/bulk-delete/?" + "&".join(f"id={i}" for i in ids + [ids[-1] + 999]))
    expect(page.get_by_role("heading", name="Delete workloads")).to_be_visible()
    expect(page.locator("#not-acted-on")).to_be_visible()
    check(page, screenshot, "bulk-delete")


def test_not_found_page(login, page, site, screenshot):
    login("member")
    response = page.goto(f"{site['url']}/p/no-such-project/workloads/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    check(page, screenshot, "not-found")
