"""Refresh moves workloads Pending -> Running -> Complete as kubesim's clock advances."""

import pytest

from projects.models import Cluster
from workloads.models import Component, StatusChange, Workload
from workloads.status import ComponentState, WorkloadStatus
from workloads.sync.refresh import refresh_cluster
from workloads.tasks import refresh_cluster as refresh_cluster_task

from .conftest import make_workload, run_in_cluster, wait_for

RUN = {"kubesim.io/start-seconds": "5", "kubesim.io/run-seconds": "30"}


def statuses(*workloads):
    return [Workload.objects.get(pk=w.pk).status for w in workloads]


def test_refresh_follows_a_job_from_pending_to_complete(sim, sim_cluster, vision):
    workload = make_workload(sim_cluster, vision)
    run_in_cluster(sim, workload, pod_annotations=RUN)

    refresh_cluster(sim_cluster.id)
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.PENDING
    assert workload.started_at is None
    (component,) = Component.objects.filter(workload=workload)
    assert (component.kind, component.state) == ("Job", ComponentState.PENDING)
    assert component.uid

    sim.advance(10)
    refresh_cluster(sim_cluster.id)
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.RUNNING
    assert workload.started_at is not None and workload.finished_at is None

    sim.advance(40)
    refresh_cluster(sim_cluster.id)
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.COMPLETE
    assert workload.finished_at is not None
    assert workload.status_checked_at == workload.cluster.last_seen_at is not None
    history = list(StatusChange.objects.filter(workload=workload).values_list("from_status", "to_status"))
    assert history == [
        (WorkloadStatus.ADDED, WorkloadStatus.PENDING),
        (WorkloadStatus.PENDING, WorkloadStatus.RUNNING),
        (WorkloadStatus.RUNNING, WorkloadStatus.COMPLETE),
    ]


def test_second_refresh_without_changes_writes_no_history(sim, sim_cluster, vision):
    workload = make_workload(sim_cluster, vision)
    run_in_cluster(sim, workload, pod_annotations=RUN)
    refresh_cluster(sim_cluster.id)
    before = StatusChange.objects.count()
    result = refresh_cluster(sim_cluster.id)
    assert (result.components_written, result.status_changes) == (0, 0)
    assert StatusChange.objects.count() == before


def test_inference_reason_says_how_many_replicas_are_ready(sim, sim_cluster, vision):
    from workloads.models import WorkloadType

    workload = make_workload(sim_cluster, vision, name="infer", type_=WorkloadType.INFERENCE)
    run_in_cluster(sim, workload, pod_annotations={"kubesim.io/start-seconds": "5"})
    refresh_cluster(sim_cluster.id)
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.PENDING
    assert "0 of 1 ready" in workload.status_reason
    sim.advance(10)
    refresh_cluster(sim_cluster.id)
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.RUNNING
    assert Component.objects.filter(workload=workload).count() == 2


def test_image_pull_failure_is_failed_with_the_reason(sim, sim_cluster, vision):
    workload = make_workload(sim_cluster, vision)
    run_in_cluster(sim, workload, pod_annotations={"kubesim.io/image-pull-failure": "true"})
    sim.advance(5)
    refresh_cluster(sim_cluster.id)
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.FAILED
    assert "ImagePullBackOff" in workload.status_reason or "ErrImagePull" in workload.status_reason


def test_cluster_capacity_and_reachability_are_recorded(sim, sim_cluster):
    refresh_cluster(sim_cluster.id)
    cluster = Cluster.objects.get(pk=sim_cluster.pk)
    assert cluster.reachable and cluster.last_seen_at and cluster.last_refreshed_at
    assert cluster.capacity_gpu == 24  # kubesim's 3 default nodes, 8 GPUs each
    assert cluster.capacity_cpu_millicores > 0 and cluster.capacity_memory_bytes > 0


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_worker_refreshes_through_the_lifecycle(celery_worker, sim, sim_cluster, vision):
    workload = make_workload(sim_cluster, vision)
    run_in_cluster(sim, workload, pod_annotations=RUN)

    def refreshed_to(status):
        refresh_cluster_task.delay(sim_cluster.id)
        return wait_for(lambda: statuses(workload) == [status], message=f"status {status}")

    refreshed_to(WorkloadStatus.PENDING)
    sim.advance(10)
    refreshed_to(WorkloadStatus.RUNNING)
    sim.advance(40)
    refreshed_to(WorkloadStatus.COMPLETE)
