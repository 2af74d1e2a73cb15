"""A component gone from the cluster: Deleted after a delete request; otherwise a finished one
keeps its state (Job removed by its TTL) and a live one becomes Deleted (removed by hand)."""

from django.utils import timezone

from workloads.models import Component, Workload
from workloads.status import ComponentState, WorkloadStatus
from workloads.sync.refresh import refresh_cluster

from .conftest import make_workload, run_in_cluster


def test_a_finished_job_removed_by_its_ttl_stays_complete(sim, sim_cluster, vision):
    workload = make_workload(sim_cluster, vision)
    (job,) = run_in_cluster(
        sim, workload, pod_annotations={"kubesim.io/start-seconds": "1", "kubesim.io/run-seconds": "2"}
    )
    sim.advance(10)
    refresh_cluster(sim_cluster.id)
    assert Workload.objects.get(pk=workload.pk).status == WorkloadStatus.COMPLETE
    sim.delete("Job", "vision", job["metadata"]["name"], propagation_policy="Background")
    sim.advance(5)
    refresh_cluster(sim_cluster.id)
    assert Workload.objects.get(pk=workload.pk).status == WorkloadStatus.COMPLETE
    assert Component.objects.get(workload=workload).state == ComponentState.COMPLETED


def test_a_running_job_removed_by_hand_becomes_deleted(sim, sim_cluster, vision):
    workload = make_workload(sim_cluster, vision)
    (job,) = run_in_cluster(sim, workload, pod_annotations={"kubesim.io/start-seconds": "1"})
    sim.advance(3)
    refresh_cluster(sim_cluster.id)
    sim.delete("Job", "vision", job["metadata"]["name"], propagation_policy="Background")
    sim.advance(5)
    refresh_cluster(sim_cluster.id)
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.DELETED
    assert Component.objects.get(workload=workload).reason == "removed from the cluster"


def test_gone_after_a_delete_request_is_deleted(sim, sim_cluster, vision):
    workload = make_workload(sim_cluster, vision)
    (job,) = run_in_cluster(
        sim, workload, pod_annotations={"kubesim.io/start-seconds": "1", "kubesim.io/run-seconds": "2"}
    )
    sim.advance(10)
    refresh_cluster(sim_cluster.id)  # Complete
    now = timezone.now()
    Workload.objects.filter(pk=workload.pk).update(
        status=WorkloadStatus.DELETING, status_changed_at=now, delete_requested_at=now
    )
    sim.delete("Job", "vision", job["metadata"]["name"], propagation_policy="Background")
    sim.advance(5)
    refresh_cluster(sim_cluster.id)
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.DELETED
    assert workload.status_changes.last().from_status == WorkloadStatus.DELETING
