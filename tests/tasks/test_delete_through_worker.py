"""Delete: Deleting -> Deleted through a real worker; idempotent; API errors -> Delete Failed."""

import pytest

from workloads.lifecycle.delete_request import request_delete
from workloads.models import Component, StatusChange, Workload
from workloads.status import ComponentState, WorkloadStatus
from workloads.sync.refresh import refresh_cluster
from workloads.tasks import delete_workload

from .conftest import make_workload, run_in_cluster, wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]
RUNNING = {"kubesim.io/start-seconds": "1"}


def running_workload(sim, cluster, project, **fields):
    workload = make_workload(cluster, project, **fields)
    run_in_cluster(sim, workload, pod_annotations=RUNNING)
    sim.advance(3)
    refresh_cluster(cluster.id)
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.RUNNING
    return workload


def status_of(workload):
    return Workload.objects.get(pk=workload.pk).status


def test_delete_goes_from_deleting_to_deleted(celery_worker, sim, sim_cluster, vision):
    workload = running_workload(sim, sim_cluster, vision)
    assert request_delete(Workload.objects.filter(pk=workload.pk), by_username="dev") == [workload.pk]
    assert status_of(workload) == WorkloadStatus.DELETING

    wait_for(lambda: status_of(workload) == WorkloadStatus.DELETED, message="Deleted")
    workload.refresh_from_db()
    assert workload.delete_attempts == 1
    assert set(Component.objects.filter(workload=workload).values_list("state", flat=True)) == {
        ComponentState.DELETED
    }
    deletes = [r for r in sim.requests if r.method == "DELETE"]
    assert len(deletes) == 1 and "/jobs/" in deletes[0].path
    sim.advance(60)
    assert sim.list("Job", "vision") == [] and sim.list("Pod", "vision") == []

    # The next refresh confirms Deleted; a second run of the task changes nothing.
    refresh_cluster(sim_cluster.id)
    history = StatusChange.objects.filter(workload=workload).count()
    delete_workload.apply(args=[workload.pk])
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.DELETED
    assert workload.delete_attempts == 1
    assert StatusChange.objects.filter(workload=workload).count() == history
    assert len([r for r in sim.requests if r.method == "DELETE"]) == 1


def test_inference_deletes_deployment_and_service(celery_worker, sim, sim_cluster, vision):
    from workloads.models import WorkloadType

    workload = running_workload(sim, sim_cluster, vision, name="infer", type_=WorkloadType.INFERENCE)
    request_delete(Workload.objects.filter(pk=workload.pk), by_username="dev")
    wait_for(lambda: status_of(workload) == WorkloadStatus.DELETED, message="Deleted")
    paths = sorted(r.path for r in sim.requests if r.method == "DELETE")
    assert [p.split("/")[-2] for p in paths] == ["services", "deployments"] or len(paths) == 2


def test_workload_never_created_is_deleted_directly(celery_worker, sim, sim_cluster, vision):
    workload = make_workload(sim_cluster, vision)
    request_delete(Workload.objects.filter(pk=workload.pk), by_username="dev")
    wait_for(lambda: status_of(workload) == WorkloadStatus.DELETED, message="Deleted")
    assert not [r for r in sim.requests if r.method == "DELETE"]


def test_server_errors_end_in_delete_failed_with_the_message(celery_worker, sim, sim_cluster, vision):
    workload = running_workload(sim, sim_cluster, vision)
    sim.faults.add(
        method="DELETE", path=r"/jobs/", times=None, status=500, message="etcdserver: request timed out"
    )
    delete_workload.max_retries = 2  # keep the back-off short: 3 tries within a few seconds
    try:
        request_delete(Workload.objects.filter(pk=workload.pk), by_username="dev")
        wait_for(
            lambda: status_of(workload) == WorkloadStatus.DELETE_FAILED, timeout=30, message="Delete Failed"
        )
    finally:
        del delete_workload.max_retries
    workload.refresh_from_db()
    assert "etcdserver: request timed out" in workload.status_reason
    (component,) = Component.objects.filter(workload=workload)
    assert component.state == ComponentState.DELETE_FAILED
    assert "etcdserver: request timed out" in component.reason
    assert len([r for r in sim.requests if r.method == "DELETE"]) == 3
    assert workload.delete_attempts == 3

    # A refresh while the object is still there keeps Delete Failed (manual clean-up needed).
    refresh_cluster(sim_cluster.id)
    assert status_of(workload) == WorkloadStatus.DELETE_FAILED


def test_a_refused_delete_fails_at_once_with_the_api_message(celery_worker, sim, sim_cluster, vision):
    workload = running_workload(sim, sim_cluster, vision)
    sim.faults.add(
        method="DELETE", path=r"/jobs/", times=1, status=403, message="jobs is forbidden: no delete"
    )
    request_delete(Workload.objects.filter(pk=workload.pk), by_username="dev")
    wait_for(lambda: status_of(workload) == WorkloadStatus.DELETE_FAILED, message="Delete Failed")
    workload.refresh_from_db()
    assert "jobs is forbidden: no delete" in workload.status_reason
    assert workload.delete_attempts == 1
