"""Nodes: capacity from ready nodes, pods that fit nowhere, and a node that stops reporting."""

import pytest

from workloads.cluster import LogsUnavailable, Resources, build_manifests
from workloads.cluster.labels import workload_selector
from workloads.status import ComponentState

from .conftest import NODE_MONITOR_GRACE_SECONDS, eventually, pod_named, raw, spec


def ready(node):
    return {c["type"]: c for c in node["status"]["conditions"]}["Ready"]


def test_node_capacity_is_the_sum_of_ready_nodes_allocatable(gateway):
    _, nodes = raw(gateway, "GET", "/api/v1/nodes")
    expected = Resources()
    for node in nodes["items"]:
        if ready(node)["status"] == "True":
            expected = expected + Resources.from_quantities(node["status"]["allocatable"])
    capacity = gateway.node_capacity()
    assert capacity == expected and capacity.cpu_millicores > 0 and capacity.memory_bytes > 0


@pytest.mark.parametrize(("resources", "reason"), [
    ({"requests": {"cpu": "500"}}, "Insufficient cpu"),
    ({"requests": {"nvidia.com/gpu": "6"}, "limits": {"nvidia.com/gpu": "6"}}, "Insufficient nvidia.com/gpu"),
], ids=["cpu", "gpu"])
def test_a_pod_that_fits_no_node_stays_pending_with_the_schedulers_reason(gateway, namespace, resources, reason):
    _, nodes = raw(gateway, "GET", "/api/v1/nodes")
    count = len(nodes["items"])
    status, _ = raw(gateway, "POST", f"/api/v1/namespaces/{namespace}/pods", {
        "metadata": {"name": "huge"}, "spec": {"containers": [{"name": "main", "image": "busybox:1.36",
                                                              "resources": resources}]}})
    assert status == 201

    def unschedulable():
        pod = pod_named(gateway, namespace, "huge")
        scheduled = [c for c in pod["status"].get("conditions") or [] if c["type"] == "PodScheduled"]
        return scheduled and scheduled[0]["status"] == "False" and scheduled[0]

    condition = eventually(unschedulable, message="the scheduler's verdict")
    assert condition["reason"] == "Unschedulable"
    assert condition["message"] == f"0/{count} nodes are available: {count} {reason}."
    pod = pod_named(gateway, namespace, "huge")
    assert pod["status"]["phase"] == "Pending" and not pod["spec"].get("nodeName")


def test_a_workload_that_fits_nowhere_is_pending_with_the_reason(gateway, namespace):
    workload_id = f"{namespace}-big"
    gateway.create_objects(build_manifests(spec(namespace, workload_id, "big", cpu_millicores=500_000)))

    def pending():
        pods = gateway.list_pods(workload_selector(workload_id))
        components = gateway.list_components(workload_selector(workload_id))
        return pods and components and components

    component = eventually(pending, message="the Job's pod")[0]
    assert component.state == ComponentState.PENDING
    assert gateway.read_logs(namespace, gateway.list_pods(workload_selector(workload_id))[0].name) == ""


def test_a_node_whose_kubelet_stops_turns_unknown_and_tainted(tier, gateway, namespace):
    if tier.stop_kubelet is None:
        pytest.skip("cannot stop a node's kubelet on an external cluster")
    workload_id = f"{namespace}-lost"
    gateway.create_objects(build_manifests(spec(namespace, workload_id, "stranded",
                                                pod_annotations={"kubesim.io/run-seconds": "3600"})))
    pod = eventually(lambda: [p for p in gateway.list_pods(workload_selector(workload_id)) if p.phase == "Running"],
                     message="a running pod")[0]
    capacity = gateway.node_capacity()
    tier.stop_kubelet()
    try:
        def unknown():
            _, node = raw(gateway, "GET", f"/api/v1/nodes/{tier.node}")
            return ready(node)["status"] == "Unknown" and node

        node = eventually(unknown, timeout=NODE_MONITOR_GRACE_SECONDS * 2, interval=0.5,
                          message="the node-lifecycle controller to give up on the node")
        condition = ready(node)
        assert (condition["reason"], condition["message"]) == ("NodeStatusUnknown",
                                                               "Kubelet stopped posting node status.")
        assert all(c["status"] == "Unknown" for c in node["status"]["conditions"])
        eventually(lambda: ("node.kubernetes.io/unreachable", "NoSchedule") in {
            (t["key"], t["effect"]) for t in raw(gateway, "GET", f"/api/v1/nodes/{tier.node}")[1]["spec"].get("taints")
            or []}, message="the unreachable taint")
        assert gateway.node_capacity() == Resources()  # its only node is not ready

        def not_ready():
            current = pod_named(gateway, namespace, pod.name)
            conditions = {c["type"]: c["status"] for c in current["status"]["conditions"]}
            return conditions["Ready"] == "False" and current

        stranded = eventually(not_ready, message="the pod to be marked not ready")
        assert stranded["status"]["phase"] == "Running"  # its phase stays: nobody knows better
        with pytest.raises(LogsUnavailable) as error:
            gateway.read_logs(namespace, pod.name)
        assert error.value.status_code == 500 and "connect: connection refused" in str(error.value)
    finally:
        tier.start_kubelet()
    eventually(lambda: ready(raw(gateway, "GET", f"/api/v1/nodes/{tier.node}")[1])["status"] == "True" and
               not raw(gateway, "GET", f"/api/v1/nodes/{tier.node}")[1]["spec"].get("taints"),
               timeout=60, message="the node to be back and untainted")
    assert gateway.node_capacity() == capacity
    eventually(lambda: {c["type"]: c["status"] for c in pod_named(gateway, namespace, pod.name)["status"]
                        ["conditions"]}["Ready"] == "True", message="the pod to be ready again")
