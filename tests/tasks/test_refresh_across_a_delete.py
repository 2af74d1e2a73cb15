"""The refresh while the cluster is still removing what a delete (or a refused launch's undo)
left: pods terminating over their grace period, ReplicaSets and pods the garbage collector has
not reached yet. They are never components, never adopted, and never turn a Deleted (or a
Failed) workload back. Kubesim over HTTP; the slow garbage collector's states are written into
its store as a real cluster would show them."""

import uuid

from kubesim import discovery
from tests.conftest import record_published
from workloads.lifecycle import delete_execute, launch_execute
from workloads.lifecycle.delete_request import request_delete
from workloads.models import Component, StatusChange, Workload, WorkloadType
from workloads.status import ComponentState, WorkloadStatus
from workloads.sync.refresh import refresh_cluster

from .conftest import make_workload, run_in_cluster

# Pods start at once and take 30 s to terminate once deleted (kubesim's grace period).
SLOW_TO_GO = {"kubesim.io/start-seconds": "1", "kubesim.io/termination-seconds": "30"}
SERVICE_SPEC = {"image": "registry.example/serve:1", "port": 8080, "pod_annotations": SLOW_TO_GO}


def history(workload):
    return list(
        StatusChange.objects.filter(workload=workload)
        .order_by("at", "id")
        .values_list("from_status", "to_status")
    )


def delete_now(workload):
    """What a person's delete and its task do, in this thread."""
    request_delete(Workload.objects.filter(pk=workload.pk), by_username="dev")
    assert delete_execute.claim(workload.pk, attempt_limit=5)
    delete_execute.delete_workload(workload.pk, final_attempt=False)
    workload.refresh_from_db()


def slow_gc_leftovers(sim, workload, owner_uid, label_value=None):
    """What a busy garbage collector has not reached yet: a ReplicaSet still naming its deleted
    Deployment, and a pod whose ReplicaSet is already gone (neither marked for deletion)."""
    labels = {"devcenter.io/workload-id": label_value or str(workload.pk), "devcenter.io/project": "vision"}
    template = {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "main", "image": "i"}]}}
    sim.create(
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{workload.name}-left-rs",
                "namespace": "vision",
                "labels": labels,
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "kind": "Deployment",
                        "name": "gone",
                        "uid": owner_uid,
                        "controller": True,
                    }
                ],
            },
            "spec": {"replicas": 0, "selector": {"matchLabels": labels}, "template": template},
            "status": {"replicas": 0},
        }
    )
    sim.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": f"{workload.name}-left-pod",
                "namespace": "vision",
                "labels": labels,
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "kind": "ReplicaSet",
                        "name": "gone",
                        "uid": str(uuid.uuid4()),
                        "controller": True,
                    }
                ],
            },
            "spec": {"containers": [{"name": "main", "image": "i"}], "nodeName": "node-1"},
            "status": {"phase": "Running"},
        }
    )


def running_service(sim, cluster, project, name="infer"):
    workload = make_workload(cluster, project, name=name, type_=WorkloadType.INFERENCE, spec=SERVICE_SPEC)
    run_in_cluster(sim, workload, pod_annotations=SLOW_TO_GO)
    sim.advance(3)
    refresh_cluster(cluster.id)
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.RUNNING
    return workload


def test_a_deleted_workload_stays_deleted_while_its_leftovers_go(sim, sim_cluster, vision):
    workload = running_service(sim, sim_cluster, vision)
    deployment_uid = Component.objects.get(workload=workload, kind="Deployment").uid
    delete_now(workload)
    assert workload.status == WorkloadStatus.DELETED
    sim.advance(1)  # the garbage collector reaches the ReplicaSet, then the pods, on the next ticks
    terminating = sim.list("Pod", "vision", label_selector=f"devcenter.io/workload-id={workload.pk}")
    assert terminating and all(p["metadata"].get("deletionTimestamp") for p in terminating)
    slow_gc_leftovers(sim, workload, deployment_uid)
    recorded = set(Component.objects.filter(workload=workload).values_list("kind", "name", "state"))

    for _ in range(3):  # several refreshes while the pods terminate (about 30 s)
        result = refresh_cluster(sim_cluster.id)
        assert result.reachable and result.custom_created == 0
        sim.advance(12)
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.DELETED
    assert set(Component.objects.filter(workload=workload).values_list("kind", "name", "state")) == recorded
    assert history(workload)[-2:] == [
        (WorkloadStatus.RUNNING, WorkloadStatus.DELETING),
        (WorkloadStatus.DELETING, WorkloadStatus.DELETED),
    ]
    assert Workload.objects.count() == 1


def test_leftovers_that_never_go_do_not_end_a_delete_in_delete_failed(sim, sim_cluster, vision, settings):
    # Pods on a node that is down never finish terminating; the delete itself succeeded.
    workload = make_workload(
        sim_cluster, vision, name="stuck", type_=WorkloadType.INFERENCE, spec=SERVICE_SPEC
    )
    run_in_cluster(sim, workload, pod_annotations=SLOW_TO_GO)
    sim.advance(3)
    refresh_cluster(sim_cluster.id)
    for node in sim.list("Node"):  # no kubelet answers: nobody finishes the pods' termination
        sim.stop_kubelet(node["metadata"]["name"])
    delete_now(workload)
    settings.DELETE_STUCK_AFTER_SECONDS = 0
    for _ in range(3):
        refresh_cluster(sim_cluster.id)
        delete_execute.fail_stuck_deletes()
        sim.advance(60)
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.DELETED
    assert sim.list("Pod", "vision")  # still terminating


def test_the_leftovers_of_a_deleted_custom_workload_are_not_adopted_again(sim, sim_cluster, vision):
    labels = {"devcenter.io/workload-id": "team-batch", "devcenter.io/project": "vision"}
    template = {
        "metadata": {"labels": labels, "annotations": SLOW_TO_GO},
        "spec": {"containers": [{"name": "main", "image": "i"}]},
    }
    sim.create(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "by-hand", "namespace": "vision", "labels": labels},
            "spec": {"replicas": 2, "selector": {"matchLabels": labels}, "template": template},
        }
    )
    sim.advance(3)
    refresh_cluster(sim_cluster.id)
    custom = Workload.objects.get(type=WorkloadType.CUSTOM)
    assert custom.status == WorkloadStatus.RUNNING
    deployment_uid = Component.objects.get(workload=custom, kind="Deployment").uid
    delete_now(custom)
    assert custom.status == WorkloadStatus.DELETED
    slow_gc_leftovers(sim, custom, deployment_uid, label_value="team-batch")

    for _ in range(3):
        assert refresh_cluster(sim_cluster.id).custom_created == 0
        sim.advance(12)
    assert list(Workload.objects.values_list("type", "status")) == [
        (WorkloadType.CUSTOM, WorkloadStatus.DELETED)
    ]


def test_a_launch_refused_halfway_ends_failed_and_stays_failed(sim, sim_cluster, vision, monkeypatch):
    # A ResourceQuota `services: 0` refuses the Service after the Deployment was made.
    record_published(monkeypatch, "none")
    refusal = 'services "infer" is forbidden: exceeded quota: no-services, requested: services=1, limited: services=0'
    sim.faults.add(method="POST", path=r"/namespaces/vision/services$", status=403, message=refusal)
    workload = make_workload(
        sim_cluster, vision, name="infer", type_=WorkloadType.INFERENCE, spec=SERVICE_SPEC
    )
    launch_execute.create_workload(workload.pk, attempt=1, final_attempt=False)
    workload.refresh_from_db()
    assert (workload.status, workload.status_reason) == (WorkloadStatus.FAILED, refusal)
    (undone,) = Component.objects.filter(workload=workload)
    assert (undone.kind, undone.state, undone.reason) == (
        "Deployment",
        ComponentState.DELETED,
        "undone: the launch was refused",
    )
    assert sim.list("Deployment", "vision") == []
    slow_gc_leftovers(sim, workload, undone.uid)

    for _ in range(4):  # while the garbage collector and the kubelet clean up, and after
        refresh_cluster(sim_cluster.id)
        sim.advance(12)
    workload.refresh_from_db()
    assert (workload.status, workload.status_reason) == (WorkloadStatus.FAILED, refusal)
    assert history(workload) == [(WorkloadStatus.ADDED, WorkloadStatus.FAILED)]
    assert Component.objects.filter(workload=workload).count() == 1
    assert Workload.objects.count() == 1


def test_a_pre_training_with_workers_is_refused_on_a_server_that_drops_indexed_jobs(
    sim, sim_cluster, vision, monkeypatch
):
    # Servers before 1.22 store the Job without `completionMode: Indexed`, and say nothing.
    old = {**discovery.version_info(), "major": "1", "minor": "20", "gitVersion": "v1.20.2"}
    monkeypatch.setattr(discovery, "version_info", lambda: old)
    workload = make_workload(
        sim_cluster,
        vision,
        name="pretrain",
        type_=WorkloadType.PRE_TRAINING,
        spec={"image": "registry.example/pretrain:1", "workers": 2},
    )
    launch_execute.create_workload(workload.pk, attempt=1, final_attempt=False)
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.FAILED
    assert "runs Kubernetes v1.20.2, which ignores Job spec.completionMode: Indexed" in workload.status_reason
    assert "Kubernetes 1.22 or newer" in workload.status_reason
    assert "run it with one worker" in workload.status_reason
    assert sim.list("Job", "vision") == [] and not Component.objects.filter(workload=workload).exists()

    single = make_workload(
        sim_cluster,
        vision,
        name="pretrain-one",
        type_=WorkloadType.PRE_TRAINING,
        spec={"image": "registry.example/pretrain:1", "workers": 1},
    )
    launch_execute.create_workload(single.pk, attempt=1, final_attempt=False)
    assert Workload.objects.get(pk=single.pk).status == WorkloadStatus.PENDING


def test_a_pre_training_with_workers_is_indexed_on_a_newer_server(sim, sim_cluster, vision):
    workload = make_workload(
        sim_cluster,
        vision,
        name="pretrain",
        type_=WorkloadType.PRE_TRAINING,
        spec={"image": "registry.example/pretrain:1", "workers": 2},
    )
    launch_execute.create_workload(workload.pk, attempt=1, final_attempt=False)
    assert Workload.objects.get(pk=workload.pk).status == WorkloadStatus.PENDING
    (job,) = sim.list("Job", "vision")
    assert (job["spec"]["completionMode"], job["spec"]["completions"]) == ("Indexed", 2)
