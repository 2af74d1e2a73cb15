"""Stop and Resume through a real worker against kubesim over HTTP: scaled to zero (pods gone),
Terminated with who stopped it, quota released; resumed back to the replicas it had, refused
(nothing changed) when the quota was taken meanwhile; duplicate tasks change nothing."""

import pytest
from django.contrib.auth import get_user_model

from projects.models import Quota
from workloads.lifecycle.launch_request import Launch, admit
from workloads.lifecycle.stop_request import ScaleRefused, request_resume, request_stop
from workloads.models import StatusChange, Workload, WorkloadType
from workloads.status import WorkloadStatus
from workloads.sync.refresh import refresh_cluster
from workloads.tasks import resume_workload, stop_workload

from .conftest import GIB, make_workload, run_in_cluster, wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]
RUNNING = {"kubesim.io/start-seconds": "1"}


@pytest.fixture
def dev(db):
    return get_user_model().objects.create_user("dev", password="x")


def running(sim, cluster, project, *, name="infer", type_=WorkloadType.INFERENCE, **fields):
    spec = {"image": "registry.example/serve:1", "model": "llama-3-8b", "port": 8000}
    if type_ == WorkloadType.WORKSPACE:
        spec = {"image": "registry.example/jupyter:1", "workspace_flavour": "jupyterlab"}
    workload = make_workload(cluster, project, name=name, type_=type_, spec=spec, **fields)
    run_in_cluster(sim, workload, pod_annotations=RUNNING)
    sim.advance(3)
    refresh_cluster(cluster.id)
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.RUNNING, workload.status_reason
    return workload


def row(workload) -> Workload:
    return Workload.objects.get(pk=workload.pk)


def live_pods(sim, name) -> list[dict]:
    return [p for p in sim.list("Pod", "vision") if p["metadata"]["name"].startswith(name)]


def deployment(sim, workload) -> dict:
    (found,) = [d for d in sim.list("Deployment", "vision")
                if d["metadata"]["labels"].get("devcenter.io/workload-id") == str(workload.pk)]
    return found


def patches(sim) -> list:
    return [r for r in sim.requests if r.method == "PATCH"]


def settle_stop(sim, workload):
    wait_for(lambda: not row(workload).scale_pending, message="the stop task to finish")
    sim.advance(60)  # the ReplicaSet deletes its pods; they terminate over their grace period


def test_stop_scales_to_zero_and_shows_terminated_stopped_by(celery_worker, sim, sim_cluster, vision, dev):
    workload = running(sim, sim_cluster, vision)
    assert live_pods(sim, "infer")

    request_stop(Workload.objects.filter(pk=workload.pk), user=dev)
    stopping = row(workload)
    assert stopping.status == WorkloadStatus.RUNNING  # it still holds its pods until scaled down
    assert stopping.status_reason == "stopping, requested by dev"
    assert stopping.stopped_by_name == "dev" and stopping.stopped_at is not None

    settle_stop(sim, workload)
    stopped = row(workload)
    assert stopped.status == WorkloadStatus.TERMINATED
    assert stopped.status_reason == "stopped by dev"
    assert stopped.is_stopped and stopped.stopped_by == dev
    assert deployment(sim, workload)["spec"]["replicas"] == 0
    assert live_pods(sim, "infer") == []  # pods gone, not merely terminating
    assert stopped.stopped_replicas == {f"Deployment/{deployment(sim, workload)['metadata']['name']}": 1}
    assert len(patches(sim)) == 1 and "/deployments/" in patches(sim)[0].path  # the Service is left alone

    # A refresh keeps it stopped: not Complete, Pending or Running, and the reason stays.
    refresh_cluster(sim_cluster.id)
    refresh_cluster(sim_cluster.id)
    assert (row(workload).status, row(workload).status_reason) == (WorkloadStatus.TERMINATED, "stopped by dev")


def test_stop_releases_the_quota_and_a_taken_quota_refuses_resume(celery_worker, sim, sim_cluster, vision, dev):
    Quota.objects.filter(project=vision, cluster=sim_cluster).update(gpu=1)
    workload = running(sim, sim_cluster, vision, requested_gpu=1)
    one_gpu = Launch("other", WorkloadType.TRAINING, 1, 500, GIB, {"image": "registry.example/train:1"})
    with pytest.raises(Exception, match="GPU"):
        admit(vision, sim_cluster, dev, one_gpu)  # the running workload holds the only GPU

    request_stop(Workload.objects.filter(pk=workload.pk), user=dev)
    settle_stop(sim, workload)
    other = admit(vision, sim_cluster, dev, one_gpu)  # released: another workload now fits
    assert other.status == WorkloadStatus.ADDED

    history = StatusChange.objects.filter(workload=workload).count()
    sent = len(patches(sim))
    with pytest.raises(ScaleRefused, match=r"cannot be resumed: GPU: requested 1, 0 free of quota 1"):
        request_resume(Workload.objects.filter(pk=workload.pk), user=dev)
    unchanged = row(workload)
    assert (unchanged.status, unchanged.scale_pending) == (WorkloadStatus.TERMINATED, "")
    assert unchanged.is_stopped and unchanged.status_reason == "stopped by dev"
    assert StatusChange.objects.filter(workload=workload).count() == history
    assert len(patches(sim)) == sent
    assert deployment(sim, workload)["spec"]["replicas"] == 0


def test_resume_scales_back_to_the_replicas_it_had(celery_worker, sim, sim_cluster, vision, dev):
    workload = running(sim, sim_cluster, vision, requested_gpu=2)
    # Scaled to 2 by hand before the stop: resume restores 2, not the launch's 1.
    sim.patch("Deployment", "vision", deployment(sim, workload)["metadata"]["name"], {"spec": {"replicas": 2}})
    sim.advance(3)
    assert len(live_pods(sim, "infer")) == 2

    request_stop(Workload.objects.filter(pk=workload.pk), user=dev)
    settle_stop(sim, workload)
    assert live_pods(sim, "infer") == []

    request_resume(Workload.objects.filter(pk=workload.pk), user=dev)
    resuming = row(workload)
    assert resuming.status == WorkloadStatus.PENDING  # counted against the quota from here on
    wait_for(lambda: not row(workload).scale_pending, message="the resume task to finish")
    assert deployment(sim, workload)["spec"]["replicas"] == 2
    resumed = row(workload)
    assert resumed.stopped_at is None and resumed.stopped_by_name == "" and resumed.stopped_replicas == {}

    sim.advance(5)
    refresh_cluster(sim_cluster.id)
    back = row(workload)
    assert back.status == WorkloadStatus.RUNNING, back.status_reason
    assert back.status_reason == "Deployment: 2 of 2 ready"
    assert len(live_pods(sim, "infer")) == 2
    transitions = list(StatusChange.objects.filter(workload=workload).values_list("to_status", flat=True))
    assert transitions[-3:] == [WorkloadStatus.TERMINATED, WorkloadStatus.PENDING, WorkloadStatus.RUNNING]


def test_duplicate_and_late_tasks_change_nothing(celery_worker, sim, sim_cluster, vision, dev):
    workload = running(sim, sim_cluster, vision, name="notebook", type_=WorkloadType.WORKSPACE)
    request_stop(Workload.objects.filter(pk=workload.pk), user=dev)
    settle_stop(sim, workload)
    done = row(workload)
    history = StatusChange.objects.filter(workload=workload).count()
    sent = len(patches(sim))

    stop_workload.apply(args=[workload.pk])  # redelivered after it was done
    resume_workload.apply(args=[workload.pk])  # a resume nobody asked for
    again = row(workload)
    assert (again.status, again.scale_attempts, again.stopped_replicas) == (
        WorkloadStatus.TERMINATED, done.scale_attempts, done.stopped_replicas
    )
    assert StatusChange.objects.filter(workload=workload).count() == history
    assert len(patches(sim)) == sent

    with pytest.raises(ScaleRefused, match="already stopped"):
        request_stop(Workload.objects.filter(pk=workload.pk), user=dev)  # a double click


@pytest.mark.parametrize("type_", [WorkloadType.TRAINING, WorkloadType.CUSTOM])
def test_batch_and_custom_workloads_do_not_stop(sim_cluster, vision, dev, type_):
    workload = make_workload(sim_cluster, vision, name="batch", type_=type_, status=WorkloadStatus.RUNNING)
    with pytest.raises(ScaleRefused, match="only Inference and Workspace workloads can be stopped"):
        request_stop(Workload.objects.filter(pk=workload.pk), user=dev)
    assert row(workload).stopped_at is None and row(workload).scale_pending == ""


def test_a_stop_the_cluster_refuses_is_no_stop(celery_worker, sim, sim_cluster, vision, dev):
    workload = running(sim, sim_cluster, vision)
    sim.faults.add(method="PATCH", path=r"/deployments/", times=None, status=403, message="forbidden by policy")
    request_stop(Workload.objects.filter(pk=workload.pk), user=dev)
    wait_for(lambda: not row(workload).scale_pending, message="the stop task to finish")
    failed = row(workload)
    assert failed.status == WorkloadStatus.RUNNING and failed.stopped_at is None
    assert failed.status_reason.startswith("stop failed: Deployment/") and "forbidden by policy" in failed.status_reason
    assert failed.is_stoppable  # it can be tried again
