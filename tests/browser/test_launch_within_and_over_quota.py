"""A project admin launches a workload within quota (Added on the Workloads page) and one over quota
(refused, naming GPU and the numbers), then looks at the quotas page."""

import pytest

from workloads.lifecycle import launch_request as admission

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_launch_form(page, live_server, *, name, gpu):
    page.goto(f"{live_server.url}/p/vision/workloads/")
    page.get_by_role("link", name="Launch workload").click()
    page.get_by_label("Type").select_option(label="Training")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Cluster").select_option("east")
    page.get_by_label("Image").fill("python:3.12")
    page.get_by_label("Command").fill("python train.py")
    page.get_by_label("GPU").fill(str(gpu))
    page.get_by_label("CPU (cores)").fill("2")
    page.get_by_label("Memory (GiB)").fill("8")
    page.get_by_role("button", name="Launch").click()
    page.wait_for_load_state("networkidle")


def test_admin_launches_within_quota_then_over_quota(
    login, page, live_server, project_admin, quota, make_workload, monkeypatch, screenshot
):
    queued = []
    monkeypatch.setattr(admission, "enqueue_create", queued.append)  # no worker in this test
    make_workload(name="busy", requested_gpu=2, requested_cpu_millicores=4000, requested_memory_bytes=16 * 2**30)
    login("lead")

    fill_launch_form(page, live_server, name="within-quota", gpu=4)
    assert page.url == f"{live_server.url}/p/vision/workloads/"
    row = page.get_by_role("row").filter(has_text="within-quota")
    assert row.get_by_text("Added").is_visible()
    assert len(queued) == 1

    fill_launch_form(page, live_server, name="over-quota", gpu=4)
    assert "/workloads/launch/" in page.url
    alert = page.get_by_role("alert")
    assert "GPU: requested 4, 2 free of quota 8 on cluster east (2 over)" in alert.inner_text()
    screenshot("launch-over-quota")

    page.get_by_role("link", name="Quotas").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Quotas").is_visible()
    assert page.get_by_label("GPU quota on east").input_value() == "8"
    screenshot("quotas-page")
