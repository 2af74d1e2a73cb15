"""Deleting, as a real server does it: graceful pod termination, asynchronous garbage
collection, and what a refresh lists while both are under way."""

import pytest

from workloads.cluster import SERVICE, DeleteResult, build_manifests
from workloads.cluster.labels import workload_selector

from .conftest import eventually, pod_named, raw, spec


def bare_pod(name, **annotations):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "annotations": {
        "kubesim.io/start-seconds": "0", **annotations}},
        "spec": {"containers": [{"name": "main", "image": "busybox:1.36"}]}}


def running(gateway, namespace, name):
    pod = pod_named(gateway, namespace, name)
    return pod is not None and (pod.get("status") or {}).get("phase") == "Running" and pod


def test_a_running_pod_terminates_gracefully(gateway, namespace):
    raw(gateway, "POST", f"/api/v1/namespaces/{namespace}/pods",
        bare_pod("slow", **{"kubesim.io/termination-seconds": "3"}))
    eventually(lambda: running(gateway, namespace, "slow"), message="the pod to run")
    status, deleted = raw(gateway, "DELETE", f"/api/v1/namespaces/{namespace}/pods/slow")
    assert status == 200 and deleted["kind"] == "Pod"  # the pod, as it is now: terminating
    assert deleted["metadata"]["deletionTimestamp"]
    assert deleted["metadata"]["deletionGracePeriodSeconds"] == 30  # terminationGracePeriodSeconds' default
    pod = pod_named(gateway, namespace, "slow")
    assert pod is not None and pod["metadata"]["deletionTimestamp"]  # still there: the kubelet is stopping it
    eventually(lambda: pod_named(gateway, namespace, "slow") is None, message="the kubelet to finish")


def test_a_pod_not_on_a_node_goes_at_once(gateway, namespace):
    body = bare_pod("nowhere")
    body["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "500"}}
    raw(gateway, "POST", f"/api/v1/namespaces/{namespace}/pods", body)
    status, deleted = raw(gateway, "DELETE", f"/api/v1/namespaces/{namespace}/pods/nowhere")
    assert status == 200 and deleted["metadata"]["deletionGracePeriodSeconds"] == 0
    assert pod_named(gateway, namespace, "nowhere") is None


def test_the_grace_period_of_the_request_wins(gateway, namespace):
    raw(gateway, "POST", f"/api/v1/namespaces/{namespace}/pods", bare_pod("quick"))
    eventually(lambda: running(gateway, namespace, "quick"), message="the pod to run")
    status, deleted = raw(gateway, "DELETE", f"/api/v1/namespaces/{namespace}/pods/quick",
                          {"gracePeriodSeconds": 5})
    assert status == 200 and deleted["metadata"]["deletionGracePeriodSeconds"] == 5


def test_an_object_deleted_at_once_is_answered_with_a_status(gateway, namespace):
    raw(gateway, "POST", f"/api/v1/namespaces/{namespace}/configmaps", {"metadata": {"name": "settings"}})
    status, answer = raw(gateway, "DELETE", f"/api/v1/namespaces/{namespace}/configmaps/settings")
    assert status == 200
    assert (answer["kind"], answer["status"]) == ("Status", "Success")
    assert (answer["details"]["name"], answer["details"]["kind"]) == ("settings", "configmaps")


def test_deleting_a_job_removes_its_pods_afterwards(gateway, namespace):
    workload_id = f"{namespace}-del"
    created = gateway.create_objects(build_manifests(spec(namespace, workload_id, "to-delete",
                                                          pod_annotations={"kubesim.io/run-seconds": "600"})))
    job = next(obj for obj in created if obj.kind == "Job")
    eventually(lambda: gateway.list_pods(workload_selector(workload_id)), message="the Job's pod")
    outcome = gateway.delete_component("Job", namespace, job.name, job.uid)
    assert outcome.result == DeleteResult.DELETED
    # The Job is gone at once; its pods go later (garbage collector, then their kubelet).
    assert raw(gateway, "GET", f"/apis/batch/v1/namespaces/{namespace}/jobs/{job.name}")[0] == 404
    eventually(lambda: not gateway.list_pods(workload_selector(workload_id)), message="the pods to go")
    assert gateway.delete_component("Job", namespace, job.name, job.uid).result == DeleteResult.ALREADY_GONE


def test_a_job_deleted_without_a_policy_orphans_its_pods(gateway, namespace):
    workload_id = f"{namespace}-orphan"
    created = gateway.create_objects(build_manifests(spec(namespace, workload_id, "orphaning",
                                                          pod_annotations={"kubesim.io/run-seconds": "600"})))
    pods = eventually(lambda: gateway.list_pods(workload_selector(workload_id)), message="the Job's pod")
    status, _ = raw(gateway, "DELETE", f"/apis/batch/v1/namespaces/{namespace}/jobs/{created[0].name}")
    assert status == 200

    def orphaned():
        pod = pod_named(gateway, namespace, pods[0].name)
        return pod is not None and not pod["metadata"].get("ownerReferences") and pod

    pod = eventually(orphaned, message="the pod to lose its owner")
    assert not pod["metadata"].get("deletionTimestamp")  # batch/v1's legacy default: Orphan


def test_the_refresh_across_a_delete_sees_only_what_is_going(gateway, namespace):
    """While the garbage collector and the kubelet work, a LIST still returns the workload's
    objects: each is marked for deletion, or owned by something already gone. Never new ones."""
    workload_id = f"{namespace}-across"
    created = gateway.create_objects(build_manifests(spec(namespace, workload_id, "serving", shape=SERVICE)))
    eventually(lambda: any(c.kind == "Deployment" and c.state.value == "running"
                           for c in gateway.list_components(workload_selector(workload_id))),
               message="the Deployment to run")
    before = {obj["metadata"]["uid"] for obj in gateway.list_objects(workload_selector(workload_id))}
    for obj in created:
        assert gateway.delete_component(obj.kind, namespace, obj.name, obj.uid).ok

    def going(obj, by_uid, seen=()):
        """Marked for deletion, or owned (directly or not) by something gone or going."""
        metadata = obj["metadata"]
        if metadata.get("deletionTimestamp"):
            return True
        owners = [ref["uid"] for ref in metadata["ownerReferences"]]
        return bool(owners) and all(uid not in by_uid or (uid not in seen and going(by_uid[uid], by_uid, {*seen, uid}))
                                    for uid in owners)

    def listed():
        objects = gateway.list_objects(workload_selector(workload_id))
        by_uid = {obj["metadata"]["uid"]: obj for obj in objects}
        for obj in objects:
            metadata = obj["metadata"]
            assert metadata["uid"] in before, f"a new {obj['kind']} appeared during the delete: {metadata['name']}"
            assert going(obj, by_uid), f"{obj['kind']} {metadata['name']} is listed as if nothing were deleted"
        return not objects

    eventually(listed, message="the workload's objects to go")


def test_a_recreated_object_is_not_deleted_by_the_old_uid(gateway, namespace):
    workload_id = f"{namespace}-uid"
    manifests = [m for m in build_manifests(spec(namespace, workload_id, "same-name", shape=SERVICE))
                 if m["kind"] == "Service"]
    old = gateway.create_objects(manifests)[0]
    assert gateway.delete_component("Service", namespace, old.name, old.uid).ok
    eventually(lambda: not [c for c in gateway.list_components(workload_selector(workload_id)) if c.kind == "Service"],
               message="the Service to go")
    new = gateway.create_objects(manifests)[0]
    outcome = gateway.delete_component("Service", namespace, old.name, old.uid)
    assert outcome.result == DeleteResult.ALREADY_GONE
    assert [c.uid for c in gateway.list_components(workload_selector(workload_id)) if c.kind == "Service"] == [new.uid]
    status, body = raw(gateway, "DELETE", f"/api/v1/namespaces/{namespace}/services/{old.name}",
                       {"preconditions": {"uid": old.uid}})
    assert (status, body["reason"]) == (409, "Conflict")
    assert f"the UID in the precondition ({old.uid}) does not match the UID in record ({new.uid})" in body["message"]


@pytest.mark.parametrize("policy", ["Foreground"])
def test_a_foreground_delete_keeps_the_owner_until_its_dependents_are_gone(gateway, namespace, policy):
    workload_id = f"{namespace}-fg"
    created = gateway.create_objects(build_manifests(spec(namespace, workload_id, "front", shape=SERVICE)))
    deployment = next(obj for obj in created if obj.kind == "Deployment")
    eventually(lambda: gateway.list_pods(workload_selector(workload_id)), message="the pod")
    status, body = raw(gateway, "DELETE", f"/apis/apps/v1/namespaces/{namespace}/deployments/{deployment.name}",
                       {"propagationPolicy": policy})
    assert status == 200
    assert body["metadata"]["deletionTimestamp"] and "foregroundDeletion" in body["metadata"]["finalizers"]
    eventually(lambda: raw(gateway, "GET", f"/apis/apps/v1/namespaces/{namespace}/deployments/"
                                           f"{deployment.name}")[0] == 404, message="the Deployment to go")
    assert not gateway.list_pods(workload_selector(workload_id))
