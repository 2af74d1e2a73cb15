"""A workload launched through the form is created on kubesim and goes Added -> Pending -> Running.

The objects pass kubesim's validation and carry the labels the refresh uses. The create task
runs eagerly (`.apply`) in this process; the real-worker path is the tasks suite's job.
"""

import time

import pytest
from kubesim.testing import kubesim  # noqa: F401  (the fixture)

from projects.models import Cluster, Quota
from tests.conftest import GIB
from workloads.lifecycle import launch_request as admission
from workloads.models import Component, Workload
from workloads.status import WorkloadStatus
from workloads.tasks import create_workload, refresh_cluster

pytestmark = pytest.mark.django_db(transaction=True)

TYPES = {
    "model-download": {"model": "llama-3-8b", "gpu": "0"},
    "inference": {"model": "llama-3-8b", "port": "8000"},
    "training": {},
    "pre-training": {"workers": "2"},
    "fine-tuning": {"model": "llama-3-8b"},
    "evaluation": {"model": "llama-3-8b"},
    "workspace": {"workspace_flavour": "vscode", "gpu": "0", "command": ""},
}


@pytest.fixture
def sim_cluster(kubesim, project):  # noqa: F811
    kubesim.sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "vision"}})
    cluster = Cluster.objects.create(
        name="sim", api_url=kubesim.url, token=kubesim.token, workload_base_url="https://ws.example.com",
        capacity_gpu=64, capacity_cpu_millicores=256_000, capacity_memory_bytes=1024 * GIB,
    )
    Quota.objects.create(project=project, cluster=cluster, gpu=16, cpu_millicores=64_000, memory_bytes=256 * GIB)
    return cluster


@pytest.mark.parametrize("kind", TYPES)
def test_launched_workload_goes_added_pending_running_on_kubesim(
    client, member, project, kubesim, sim_cluster, monkeypatch, kind  # noqa: F811
):
    queued = []
    monkeypatch.setattr(admission, "enqueue_create", queued.append)  # no broker here: run it below
    client.force_login(member)
    data = {
        "type": kind, "name": f"{kind}-1", "cluster": "sim", "image": "registry.example/app:1",
        "command": "python main.py", "gpu": "1", "cpu": "0.5", "memory": "1", "model": "", "port": "",
        "workspace_flavour": "jupyterlab", "workers": "1",
    }
    data.update(TYPES[kind])
    started = time.perf_counter()
    response = client.post(f"/p/{project.name}/workloads/launch/", data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    workload = Workload.objects.get(name=f"{kind}-1")
    assert workload.status == WorkloadStatus.ADDED
    assert queued == [workload.pk]

    create_workload.apply(args=[workload.pk])  # what the queued message runs
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.PENDING, workload.status_reason
    created = Component.objects.filter(workload=workload)
    for component in created:
        obj = kubesim.sim.get(component.kind, component.namespace, component.name)
        labels = obj["metadata"]["labels"]
        assert labels["devcenter.io/workload-id"] == str(workload.pk)
        assert labels["devcenter.io/project"] == "vision"
        assert obj["metadata"]["annotations"]["devcenter.io/submitter"] == "member"

    kubesim.sim.advance(5)
    refresh_cluster(sim_cluster.pk)
    workload.refresh_from_db()
    elapsed = time.perf_counter() - started
    assert workload.status == WorkloadStatus.RUNNING, workload.status_reason
    statuses = list(workload.status_changes.values_list("to_status", flat=True))
    assert statuses == [WorkloadStatus.ADDED, WorkloadStatus.PENDING, WorkloadStatus.RUNNING]
    print(f"{kind}: launch -> Running in {elapsed * 1000:.0f} ms wall clock (5 s of simulated time)")
