"""Kubelet heartbeats, the node-lifecycle controller (Unknown, taints, evictions) and a
scheduler that only binds what fits, on the manual clock."""

from kubesim.nodes import node_object
from kubesim.testing import running_kubesim

from tests.kubesim.conftest import pod_body


def ready_of(core, node):
    return {c.type: c for c in core.read_node(node).status.conditions}["Ready"]


def taints_of(core, node):
    return {(t.key, t.effect) for t in core.read_node(node).spec.taints or []}


def test_kubelets_renew_their_lease(sim):
    first = sim.get("Lease", "kube-node-lease", "node-1")["spec"]["renewTime"]
    sim.advance(11)
    lease = sim.get("Lease", "kube-node-lease", "node-1")
    assert lease["spec"]["renewTime"] > first
    assert lease["metadata"]["ownerReferences"][0]["kind"] == "Node"


def test_a_silent_node_turns_unknown_after_the_grace_period(core, sim):
    core.create_namespaced_pod("default", pod_body("p", annotations={"kubesim.io/start-seconds": "0"}))
    sim.advance(1)
    node = core.read_namespaced_pod("p", "default").spec.node_name
    sim.stop_kubelet(node)
    sim.advance(30)
    assert ready_of(core, node).status == "True"  # within 40 s of the last renewal
    sim.advance(15)
    ready = ready_of(core, node)
    assert (ready.status, ready.reason, ready.message) == ("Unknown", "NodeStatusUnknown",
                                                           "Kubelet stopped posting node status.")
    assert taints_of(core, node) == {("node.kubernetes.io/unreachable", "NoSchedule"),
                                     ("node.kubernetes.io/unreachable", "NoExecute")}
    pod = core.read_namespaced_pod("p", "default")
    assert pod.status.phase == "Running"
    assert {c.type: c.status for c in pod.status.conditions}["Ready"] == "False"
    core.create_namespaced_pod("default", pod_body("q"))
    assert core.read_namespaced_pod("q", "default").spec.node_name != node  # NoSchedule


def test_pods_are_evicted_from_an_unreachable_node_once_their_toleration_ends(core, sim):
    core.create_namespaced_pod("default", pod_body("p", annotations={"kubesim.io/start-seconds": "0"}))
    sim.advance(1)
    node = core.read_namespaced_pod("p", "default").spec.node_name
    sim.stop_kubelet(node)
    sim.advance(45 + 290)
    assert not core.read_namespaced_pod("p", "default").metadata.deletion_timestamp
    sim.advance(15)  # 300 s after the NoExecute taint: evicted, and stuck terminating (no kubelet)
    assert core.read_namespaced_pod("p", "default").metadata.deletion_timestamp


def test_a_node_comes_back(core, sim):
    sim.stop_kubelet("node-1")
    sim.advance(50)
    assert ready_of(core, "node-1").status == "Unknown"
    sim.start_kubelet("node-1")
    sim.advance(1)
    assert ready_of(core, "node-1").status == "True" and not taints_of(core, "node-1")


def test_when_every_node_is_down_nothing_is_evicted():
    with running_kubesim(nodes=1) as handle:
        sim = handle.sim
        sim.stop_kubelet("node-1")
        sim.advance(50)
        taints = {(t["key"], t["effect"]) for t in sim.get("Node", None, "node-1")["spec"]["taints"]}
        assert taints == {("node.kubernetes.io/unreachable", "NoSchedule")}  # a full disruption


def test_a_not_ready_node_is_tainted_not_ready(core, sim):
    sim.set_node_ready("node-2", False)
    assert ready_of(core, "node-2").reason == "KubeletNotReady"
    assert ("node.kubernetes.io/not-ready", "NoSchedule") in taints_of(core, "node-2")
    sim.set_node_ready("node-2", True)
    assert not taints_of(core, "node-2")


def test_a_pod_that_fits_nowhere_waits_with_the_schedulers_reason(core, sim):
    core.create_namespaced_pod("default", pod_body("big", containers=[
        {"name": "main", "image": "x", "resources": {"requests": {"nvidia.com/gpu": "9"},
                                                      "limits": {"nvidia.com/gpu": "9"}}}]))
    pod = core.read_namespaced_pod("big", "default")
    assert pod.status.phase == "Pending" and not pod.spec.node_name
    scheduled = {c.type: c for c in pod.status.conditions}["PodScheduled"]
    assert (scheduled.status, scheduled.reason) == ("False", "Unschedulable")
    assert scheduled.message == "0/3 nodes are available: 3 Insufficient nvidia.com/gpu."


def test_a_waiting_pod_is_bound_when_room_frees_up(core, sim):
    def gpus(name, count, **annotations):
        return pod_body(name, annotations=annotations, restartPolicy="Never", containers=[
            {"name": "main", "image": "x", "resources": {"requests": {"nvidia.com/gpu": str(count)},
                                                          "limits": {"nvidia.com/gpu": str(count)}}}])

    for index in range(3):
        core.create_namespaced_pod("default", gpus(f"hog-{index}", 8, **{"kubesim.io/run-seconds": "10"}))
    core.create_namespaced_pod("default", gpus("next", 4))
    assert not core.read_namespaced_pod("next", "default").spec.node_name
    sim.advance(15)  # the hogs finish: their GPUs are free again
    assert core.read_namespaced_pod("next", "default").spec.node_name


def test_a_node_takes_as_many_pods_as_it_allows():
    with running_kubesim(nodes=[node_object("small", pods=2)]) as handle:
        sim = handle.sim
        for index in range(3):
            sim.create(pod_body(f"p{index}") | {"kind": "Pod"}, namespace="default")
        waiting = sim.get("Pod", "default", "p2")
        assert {c["type"]: c for c in waiting["status"]["conditions"]}["PodScheduled"]["message"] == \
            "0/1 nodes are available: 1 Too many pods."


def test_a_node_selector_and_a_taint_keep_pods_away(core, sim):
    sim.patch("Node", None, "node-3", {"spec": {"taints": [{"key": "gpu", "value": "a100", "effect": "NoSchedule"}]}})
    core.create_namespaced_pod("default", pod_body("picky", nodeSelector={"kubernetes.io/hostname": "node-3"}))
    message = {c.type: c for c in core.read_namespaced_pod("picky", "default").status.conditions}["PodScheduled"].message
    assert message == ("0/3 nodes are available: 1 node(s) had taint {gpu: a100}, that the pod didn't tolerate, "
                       "2 node(s) didn't match node selector.")
