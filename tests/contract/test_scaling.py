"""Stop and Resume, as a real server does them: a Deployment scaled to zero through the gateway
deletes its pods through its ReplicaSet gracefully (terminating first, then gone), keeps its
ReplicaSet and Service, and comes back to the replicas asked; the uid precondition refuses a
scale of an object re-created under the same name."""

import pytest

from workloads.cluster import SERVICE, ScaleFailed, build_manifests
from workloads.cluster.labels import workload_selector
from workloads.status import ComponentState

from .conftest import eventually, raw, spec


def deployment_of(created):
    (found,) = [obj for obj in created if obj.kind == "Deployment"]
    return found


def pods(gateway, workload_id):
    return gateway.list_pods(workload_selector(workload_id))


def test_scaled_to_zero_the_pods_go_and_come_back(gateway, namespace):
    workload_id = f"{namespace}-stop"
    created = gateway.create_objects(build_manifests(spec(namespace, workload_id, "stoppable", shape=SERVICE)))
    deployment = deployment_of(created)
    eventually(lambda: any(c.kind == "Deployment" and c.state == ComponentState.RUNNING
                           for c in gateway.list_components(workload_selector(workload_id))),
               message="the Deployment to run")
    assert len(pods(gateway, workload_id)) == 1

    stopped = gateway.scale_component("Deployment", namespace, deployment.name, deployment.uid, 0)
    assert (stopped.previous_replicas, stopped.replicas) == (1, 0)
    assert (stopped.state, stopped.reason) == (ComponentState.COMPLETED, "scaled to 0")
    # The ReplicaSet deletes its pod gracefully: marked for deletion first, then gone.
    eventually(lambda: not pods(gateway, workload_id), message="the pod to go")
    status, replica_sets = raw(gateway, "GET", f"/apis/apps/v1/namespaces/{namespace}/replicasets",
                               query={"labelSelector": workload_selector(workload_id)})
    assert status == 200 and [rs["spec"]["replicas"] for rs in replica_sets["items"]] == [0]
    kinds = sorted(c.kind for c in gateway.list_components(workload_selector(workload_id)))
    assert kinds == ["Deployment", "Service"]  # nothing deleted: only scaled

    resumed = gateway.scale_component("Deployment", namespace, deployment.name, deployment.uid, 1)
    assert resumed.previous_replicas == 0
    eventually(lambda: any(c.kind == "Deployment" and c.state == ComponentState.RUNNING
                           for c in gateway.list_components(workload_selector(workload_id))),
               message="the Deployment to run again")
    assert len(pods(gateway, workload_id)) == 1


def test_the_uid_precondition_refuses_a_re_created_object(gateway, namespace):
    workload_id = f"{namespace}-recreated"
    manifests = [m for m in build_manifests(spec(namespace, workload_id, "same-name", shape=SERVICE))
                 if m["kind"] == "Deployment"]
    old = gateway.create_objects(manifests)[0]
    assert gateway.delete_component("Deployment", namespace, old.name, old.uid).ok
    eventually(lambda: raw(gateway, "GET", f"/apis/apps/v1/namespaces/{namespace}/deployments/{old.name}")[0] == 404,
               message="the first Deployment to go")
    new = gateway.create_objects(manifests)[0]
    with pytest.raises(ScaleFailed, match="re-created"):
        gateway.scale_component("Deployment", namespace, new.name, old.uid, 0)
    _, current = raw(gateway, "GET", f"/apis/apps/v1/namespaces/{namespace}/deployments/{new.name}")
    assert current["spec"]["replicas"] == 1


def test_a_controller_gone_is_a_404(gateway, namespace):
    with pytest.raises(ScaleFailed) as refused:
        gateway.scale_component("Deployment", namespace, "never-made", "0000-uid", 0)
    assert refused.value.status_code == 404
