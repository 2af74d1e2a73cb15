"""A cluster whose connection settings cannot be used (a kubeconfig missing, not YAML, naming no
context; no address) is unreachable with the reason, for every task that needs it: the refresh
marks it so, a delete ends Delete Failed and a launch Failed, each saying why. Never a crash of
the task, never a silent failure."""

import pytest

from projects.models import Cluster
from workloads.cluster import ClusterUnreachable
from workloads.lifecycle import delete_execute, launch_execute
from workloads.models import Component, Workload
from workloads.status import ComponentState, WorkloadStatus
from workloads.sync.refresh import refresh_cluster
from workloads.tasks import delete_workload

from .conftest import make_workload

PROBLEMS = {
    "missing-file": (None, "not found"),
    "not-yaml": ("clusters: [a\n", "is not valid YAML"),
    "no-context": (
        '{"apiVersion": "v1", "kind": "Config", "clusters": [], "users": []}',
        "names no current-context",
    ),
}


@pytest.fixture(params=PROBLEMS, ids=list(PROBLEMS))
def broken_cluster(request, sim_cluster, tmp_path):
    text, message = PROBLEMS[request.param]
    path = tmp_path / "kubeconfig"
    if text is not None:
        path.write_text(text)
    Cluster.objects.filter(pk=sim_cluster.pk).update(kubeconfig=str(path), api_url="", token="")
    return Cluster.objects.get(pk=sim_cluster.pk), message


def test_the_refresh_marks_the_cluster_unreachable_with_the_reason(broken_cluster, vision):
    cluster, message = broken_cluster
    workload = make_workload(cluster, vision, status=WorkloadStatus.RUNNING)
    result = refresh_cluster(cluster.pk)
    assert not result.reachable and message in result.error
    cluster.refresh_from_db()
    assert not cluster.reachable and message in cluster.last_error and cluster.unreachable_since
    assert Workload.objects.get(pk=workload.pk).status == WorkloadStatus.RUNNING


def test_a_delete_ends_delete_failed_with_the_reason(broken_cluster, vision):
    cluster, message = broken_cluster
    workload = make_workload(cluster, vision, status=WorkloadStatus.DELETING)
    Component.objects.create(
        workload=workload,
        kind="Job",
        api_version="batch/v1",
        name="train-1",
        namespace="vision",
        uid="u1",
        state=ComponentState.RUNNING,
    )
    with pytest.raises(ClusterUnreachable):  # retried while attempts are left
        delete_execute.delete_workload(workload.pk, final_attempt=False)
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.DELETING and message in workload.status_reason
    delete_execute.delete_workload(workload.pk, final_attempt=True)
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.DELETE_FAILED
    component = Component.objects.get(workload=workload)
    assert component.state == ComponentState.DELETE_FAILED and message in component.reason


def test_the_delete_task_retries_then_records_delete_failed(broken_cluster, vision, monkeypatch):
    cluster, message = broken_cluster
    workload = make_workload(cluster, vision, status=WorkloadStatus.DELETING)
    Component.objects.create(
        workload=workload,
        kind="Job",
        api_version="batch/v1",
        name="train-1",
        namespace="vision",
        uid="u1",
        state=ComponentState.RUNNING,
    )
    monkeypatch.setattr(delete_workload, "max_retries", 1)
    delete_workload.apply(args=[workload.pk])  # eager: the retry runs at once
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.DELETE_FAILED and message in workload.status_reason


def test_a_launch_ends_failed_with_the_reason(broken_cluster, vision):
    cluster, message = broken_cluster
    workload = make_workload(cluster, vision)
    with pytest.raises(ClusterUnreachable):  # retried while attempts are left
        launch_execute.create_workload(workload.pk, attempt=1, final_attempt=False)
    assert Workload.objects.get(pk=workload.pk).status == WorkloadStatus.ADDED
    launch_execute.create_workload(workload.pk, attempt=2, final_attempt=True)
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.FAILED
    assert workload.status_reason.startswith("cluster unreachable: ") and message in workload.status_reason
