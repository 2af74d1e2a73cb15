"""What can I launch now, in a browser: the form shows the free quota per cluster, a too-large
GPU request is refused as it is typed (before submit) and fixing it says it fits; the details
page and its YAML view of the workload's live objects."""

from datetime import timedelta

import pytest
from django.utils import timezone
from kubesim.testing import kubesim  # noqa: F401  (the fixture)

from projects.models import Cluster
from tests.browser.accessibility import assert_accessible, assert_fits_viewport
from tests.browser.conftest import both_sizes
from workloads.models import Component, StatusChange, Workload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), both_sizes]


def test_form_checks_the_request_as_it_is_typed(login, page, live_server, member, quota, make_workload, screenshot):
    make_workload(name="busy", requested_gpu=6, requested_cpu_millicores=2000, requested_memory_bytes=8 * 2**30)
    login("member")
    page.goto(f"{live_server.url}/p/vision/workloads/launch/")
    room = page.get_by_role("region", name="What you can launch now")
    east = room.get_by_role("row").filter(has_text="east")
    assert "2 of 8" in east.inner_text() and "30 cores of 32 cores" in east.inner_text()
    check = page.locator("#launch-check")
    assert "Fits: 0 of 2 free GPUs on east" in check.inner_text()

    page.get_by_label("Name").fill("big-train")
    page.get_by_label("Image").fill("python:3.12")
    page.get_by_label("GPU").fill("4")
    refusal = check.get_by_text("GPU: requested 4, 2 free of quota 8 on cluster east (2 over)")
    refusal.wait_for()
    assert "Would be refused" in check.inner_text()
    assert page.url.endswith("/workloads/launch/")  # nothing was submitted
    assert_accessible(page)
    assert_fits_viewport(page)

    page.get_by_label("GPU").fill("2")
    check.get_by_text("Fits: 2 of 2 free GPUs on east").wait_for()
    assert "GPU: requested" not in check.inner_text()
    screenshot("launch")
    assert not Workload.objects.filter(name="big-train").exists()


def test_details_and_the_yaml_of_the_live_objects(
    login, page, live_server, member, project, cluster, quota, make_workload, kubesim, screenshot  # noqa: F811
):
    Cluster.objects.filter(pk=cluster.pk).update(api_url=kubesim.url, token=kubesim.token, verify_ssl=False)
    if kubesim.sim.get("Namespace", "", "vision") is None:
        kubesim.sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "vision"}})
    now = timezone.now()
    workload = make_workload(name="bert-train", status="complete", created_at=now - timedelta(hours=2))
    StatusChange.objects.create(workload=workload, to_status="running", at=now - timedelta(minutes=110))
    StatusChange.objects.create(workload=workload, to_status="complete", at=now - timedelta(minutes=20))
    created = kubesim.sim.create({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "bert-train", "namespace": "vision",
                     "labels": {"devcenter.io/workload-id": str(workload.pk), "devcenter.io/project": "vision"}},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{
            "name": "main", "image": "python:3.12",
            "env": [{"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf", "key": "token"}}}],
        }]}}},
    })
    Component.objects.create(workload=workload, kind="Job", api_version="batch/v1", name="bert-train",
                             namespace="vision", uid=created["metadata"]["uid"], state="completed")
    login("member")
    page.goto(f"{live_server.url}/p/vision/workloads/{workload.pk}/")
    facts = page.locator("dl.facts").first.inner_text()
    assert "10 min 0 s" in facts and "1 h 30 min" in facts and "(running)" not in facts
    assert_fits_viewport(page)
    assert_accessible(page)
    screenshot("workload-details")

    page.get_by_role("link", name="View YAML").click()
    page.wait_for_load_state("networkidle")
    text = page.locator("pre.yaml").inner_text()
    assert "kind: Job" in text and "secretKeyRef" in text and "managedFields" not in text
    assert_accessible(page)
    assert_fits_viewport(page)
    screenshot("workload-yaml")
