"""The simulated kubelet: annotations drive a pod through its phases on the manual clock."""

from tests.kubesim.conftest import pod_body


def test_pod_pending_running_succeeded(core, sim):
    core.create_namespaced_pod("default", pod_body("p", annotations={"kubesim.io/run-seconds": "5"},
                                                   restartPolicy="Never"))
    pod = core.read_namespaced_pod("p", "default")
    assert pod.status.phase == "Pending"
    assert pod.spec.node_name  # scheduled at once
    assert pod.status.container_statuses[0].state.waiting.reason == "ContainerCreating"
    sim.advance(1)
    pod = core.read_namespaced_pod("p", "default")
    assert pod.status.phase == "Running"
    assert pod.status.container_statuses[0].state.running.started_at
    assert {c.type: c.status for c in pod.status.conditions}["Ready"] == "True"
    sim.advance(5)
    pod = core.read_namespaced_pod("p", "default")
    assert pod.status.phase == "Succeeded"
    terminated = pod.status.container_statuses[0].state.terminated
    assert terminated.exit_code == 0 and terminated.reason == "Completed"


def test_exit_code_fails_the_pod(core, sim):
    core.create_namespaced_pod("default", pod_body("p", annotations={
        "kubesim.io/run-seconds": "2", "kubesim.io/exit-code": "3", "kubesim.io/start-seconds": "0"},
        restartPolicy="Never"))
    sim.advance(2)
    pod = core.read_namespaced_pod("p", "default")
    assert pod.status.phase == "Failed"
    assert pod.status.container_statuses[0].state.terminated.exit_code == 3


def test_ready_seconds_delays_readiness(core, sim):
    core.create_namespaced_pod("default", pod_body("p", annotations={"kubesim.io/ready-seconds": "10"}))
    sim.advance(5)
    pod = core.read_namespaced_pod("p", "default")
    assert pod.status.phase == "Running" and not pod.status.container_statuses[0].ready
    sim.advance(10)
    assert core.read_namespaced_pod("p", "default").status.container_statuses[0].ready


def test_image_pull_failure_stays_pending(core, sim):
    core.create_namespaced_pod("default", pod_body("p", annotations={"kubesim.io/image-pull-failure": "true"}))
    sim.advance(2)
    waiting = core.read_namespaced_pod("p", "default").status.container_statuses[0].state.waiting
    assert waiting.reason == "ErrImagePull" and "image not found" in waiting.message
    sim.advance(30)
    pod = core.read_namespaced_pod("p", "default")
    assert pod.status.phase == "Pending"
    assert pod.status.container_statuses[0].state.waiting.reason == "ImagePullBackOff"


def test_crash_loop_restarts_grow(core, sim):
    core.create_namespaced_pod("default", pod_body("p", annotations={"kubesim.io/crash-loop": "true"}))
    sim.advance(2)
    status = core.read_namespaced_pod("p", "default").status
    assert status.phase == "Running"
    assert status.container_statuses[0].state.waiting.reason == "CrashLoopBackOff"
    first = status.container_statuses[0].restart_count
    sim.advance(30)
    assert core.read_namespaced_pod("p", "default").status.container_statuses[0].restart_count > first


def test_pods_spread_round_robin_over_ready_nodes(core, sim):
    sim.set_node_ready("node-3", False)
    for index in range(4):
        core.create_namespaced_pod("default", pod_body(f"p{index}"))
    nodes = [p.spec.node_name for p in core.list_namespaced_pod("default").items]
    assert sorted(set(nodes)) == ["node-1", "node-2"]


def test_nodes_have_allocatable_and_ready(core, sim):
    nodes = core.list_node().items
    assert len(nodes) == 3
    assert nodes[0].status.allocatable["nvidia.com/gpu"] == "8"
    sim.set_node_ready("node-1", False)
    conditions = {c.type: c.status for c in core.read_node("node-1").status.conditions}
    assert conditions["Ready"] == "False"


def test_graceful_termination_keeps_pod_until_grace_period_ends(core, sim):
    core.create_namespaced_pod("default", pod_body("p", annotations={"kubesim.io/termination-seconds": "10"},
                                                   terminationGracePeriodSeconds=10))
    sim.advance(2)
    core.delete_namespaced_pod("p", "default")
    pod = core.read_namespaced_pod("p", "default")
    assert pod.metadata.deletion_timestamp and pod.metadata.deletion_grace_period_seconds == 10
    sim.advance(5)
    assert core.read_namespaced_pod("p", "default").metadata.deletion_timestamp
    sim.advance(6)
    assert core.list_namespaced_pod("default").items == []


def test_grace_period_zero_deletes_at_once(core, sim):
    core.create_namespaced_pod("default", pod_body("p", annotations={"kubesim.io/termination-seconds": "10"}))
    sim.advance(2)
    core.delete_namespaced_pod("p", "default", grace_period_seconds=0)
    assert core.list_namespaced_pod("default").items == []


def test_finalizer_keeps_deleted_pod(core, sim):
    core.create_namespaced_pod("default", pod_body("p"))
    core.patch_namespaced_pod("p", "default", {"metadata": {"finalizers": ["example.com/cleanup"]}})
    core.delete_namespaced_pod("p", "default")
    sim.advance(60)
    assert core.read_namespaced_pod("p", "default").metadata.deletion_timestamp
    core.patch_namespaced_pod("p", "default", {"metadata": {"finalizers": None}})
    assert core.list_namespaced_pod("default").items == []


def test_a_lost_node_leaves_its_pod_running_but_not_ready(core, sim):
    # kubesim.io/node-lost-seconds: the pod's node stops reporting N s after the pod starts.
    # As on a real cluster, the pod keeps its phase; the node controller marks it not Ready.
    core.create_namespaced_pod("default", pod_body("p", annotations={
        "kubesim.io/start-seconds": "0", "kubesim.io/node-lost-seconds": "5"}))
    sim.advance(1)
    assert core.read_namespaced_pod("p", "default").status.phase == "Running"
    sim.advance(5)
    node = core.read_node(core.read_namespaced_pod("p", "default").spec.node_name)
    assert {c.type: c.status for c in node.status.conditions}["Ready"] == "True"  # within the grace period
    sim.advance(45)
    status = core.read_namespaced_pod("p", "default").status
    assert status.phase == "Running"
    assert {c.type: c.status for c in status.conditions}["Ready"] == "False"
