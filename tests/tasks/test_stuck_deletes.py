"""A workload Deleting for longer than the limit becomes Delete Failed; the refresh confirms
Deleted once the objects are gone."""

from datetime import timedelta

from django.utils import timezone

from workloads.lifecycle.delete_execute import fail_stuck_deletes
from workloads.models import Component, Workload
from workloads.status import ComponentState, WorkloadStatus
from workloads.sync.refresh import refresh_cluster
from workloads.tasks import delete_workload

from .conftest import make_workload, run_in_cluster


def deleting_since(workload, minutes):
    at = timezone.now() - timedelta(minutes=minutes)
    Workload.objects.filter(pk=workload.pk).update(
        status=WorkloadStatus.DELETING, status_changed_at=at, delete_requested_at=at
    )


def test_a_delete_stuck_longer_than_the_limit_fails_with_a_reason(sim, sim_cluster, vision, settings):
    settings.DELETE_STUCK_AFTER_SECONDS = 600
    stuck, recent = (
        make_workload(sim_cluster, vision, name="stuck"),
        make_workload(sim_cluster, vision, name="recent"),
    )
    (job,) = run_in_cluster(sim, stuck, pod_annotations={"kubesim.io/start-seconds": "1"})
    run_in_cluster(sim, recent)
    sim.advance(3)
    refresh_cluster(sim_cluster.id)
    deleting_since(stuck, 11)
    deleting_since(recent, 2)

    assert fail_stuck_deletes() == 1
    stuck.refresh_from_db()
    assert stuck.status == WorkloadStatus.DELETE_FAILED
    assert stuck.status_reason == "delete did not finish within 10 min"
    assert Component.objects.get(workload=stuck).state == ComponentState.DELETE_FAILED
    assert Workload.objects.get(pk=recent.pk).status == WorkloadStatus.DELETING
    assert fail_stuck_deletes() == 0  # idempotent

    # While the object is still there the refresh keeps Delete Failed; once gone, Deleted.
    refresh_cluster(sim_cluster.id)
    assert Workload.objects.get(pk=stuck.pk).status == WorkloadStatus.DELETE_FAILED
    sim.delete("Job", "vision", job["metadata"]["name"], propagation_policy="Background")
    sim.advance(5)
    refresh_cluster(sim_cluster.id)
    assert Workload.objects.get(pk=stuck.pk).status == WorkloadStatus.DELETED


def test_a_message_redelivered_too_often_gives_up(sim, sim_cluster, vision):
    workload = make_workload(sim_cluster, vision)
    run_in_cluster(sim, workload)
    refresh_cluster(sim_cluster.id)
    deleting_since(workload, 0)
    limit = delete_workload.max_retries + 4
    Workload.objects.filter(pk=workload.pk).update(delete_attempts=limit)  # every earlier run died
    delete_workload.apply(args=[workload.pk])
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.DELETE_FAILED
    assert workload.status_reason == f"delete gave up after {limit} attempts"
    assert not [r for r in sim.requests if r.method == "DELETE"]
