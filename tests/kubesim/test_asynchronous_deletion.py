"""Deletion happens after the request, tick by tick, as on a real cluster: what a client sees
in between (the contract suite checks the same on a genuine apiserver, in real time)."""

import pytest
from kubernetes.client.exceptions import ApiException

from tests.kubesim.conftest import deployment_body, job_body, pod_body, raw


def test_a_deleted_pod_is_seen_terminating_until_the_next_tick(core, sim):
    core.create_namespaced_pod("default", pod_body("p"))
    sim.advance(2)
    deleted = core.delete_namespaced_pod("p", "default")
    assert deleted.metadata.deletion_timestamp and deleted.metadata.deletion_grace_period_seconds == 30
    assert core.read_namespaced_pod("p", "default").metadata.deletion_timestamp  # the kubelet has not acted
    sim.advance(0)  # one tick: the containers exited at once, the kubelet removes the pod
    with pytest.raises(ApiException) as excinfo:
        core.read_namespaced_pod("p", "default")
    assert excinfo.value.status == 404


def test_termination_seconds_is_capped_by_the_grace_period(core, sim):
    core.create_namespaced_pod("default", pod_body("p", annotations={"kubesim.io/termination-seconds": "600"}))
    sim.advance(2)
    core.delete_namespaced_pod("p", "default")
    sim.advance(29)
    assert core.read_namespaced_pod("p", "default").metadata.deletion_timestamp
    sim.advance(2)  # SIGKILL at the end of the grace period
    assert core.list_namespaced_pod("default").items == []


def test_a_pod_not_on_a_node_goes_at_once(core, sim):
    sim.set_node_ready("node-1", False)
    sim.set_node_ready("node-2", False)
    sim.set_node_ready("node-3", False)
    core.create_namespaced_pod("default", pod_body("p"))
    assert not core.read_namespaced_pod("p", "default").spec.node_name
    deleted = core.delete_namespaced_pod("p", "default")
    assert deleted.metadata.deletion_grace_period_seconds == 0
    assert core.list_namespaced_pod("default").items == []


def test_a_jobs_pods_outlive_it_for_a_tick_then_terminate(batch, core, sim):
    batch.create_namespaced_job("default", job_body("train"))
    sim.advance(2)
    batch.delete_namespaced_job("train", "default", propagation_policy="Background")
    assert batch.list_namespaced_job("default").items == []
    pods = core.list_namespaced_pod("default").items
    assert len(pods) == 1 and not pods[0].metadata.deletion_timestamp  # the collector has not run yet
    sim.tick()
    assert core.list_namespaced_pod("default").items[0].metadata.deletion_timestamp
    sim.tick()
    assert core.list_namespaced_pod("default").items == []


def test_a_deployment_goes_first_then_its_replicaset_then_its_pods(apps, core, sim):
    apps.create_namespaced_deployment("default", deployment_body("web", replicas=2))
    sim.advance(2)
    apps.delete_namespaced_deployment("web", "default")
    assert apps.list_namespaced_deployment("default").items == []
    assert len(apps.list_namespaced_replica_set("default").items) == 1
    sim.tick()
    assert apps.list_namespaced_replica_set("default").items == []
    assert len(core.list_namespaced_pod("default").items) == 2
    sim.tick()
    assert all(p.metadata.deletion_timestamp for p in core.list_namespaced_pod("default").items)
    sim.tick()
    assert core.list_namespaced_pod("default").items == []


def test_an_orphaning_delete_waits_for_the_collector(apps, sim):
    apps.create_namespaced_deployment("default", deployment_body("web"))
    deleted = apps.delete_namespaced_deployment("web", "default", propagation_policy="Orphan")
    assert deleted["metadata"]["finalizers"] == ["orphan"] and deleted["metadata"]["deletionTimestamp"]
    sim.tick()
    assert apps.list_namespaced_deployment("default").items == []
    assert not apps.list_namespaced_replica_set("default").items[0].metadata.owner_references


def test_a_deleted_namespace_is_terminating_refuses_content_and_goes(kubesim, core, sim):
    core.create_namespace({"metadata": {"name": "team"}})
    core.create_namespaced_pod("team", pod_body("p"))
    sim.advance(2)
    namespace = core.delete_namespace("team")  # v37 hands back the body of a delete as it is
    assert namespace["status"]["phase"] == "Terminating" and namespace["spec"]["finalizers"] == ["kubernetes"]
    status, body = raw(kubesim, "POST", "/api/v1/namespaces/team/configmaps", {"metadata": {"name": "late"}})
    assert (status, body["reason"]) == (403, "Forbidden")
    assert body["message"] == ('configmaps "late" is forbidden: unable to create new content in namespace team '
                               "because it is being terminated")
    sim.tick()  # the namespace controller deletes the content; the pod terminates
    assert core.read_namespace("team").status.phase == "Terminating"
    sim.advance(3)
    assert "team" not in [n.metadata.name for n in core.list_namespace().items]


def test_a_namespace_whose_content_cannot_go_stays_terminating(core, sim):
    core.create_namespace({"metadata": {"name": "stuck"}})
    core.create_namespaced_config_map("stuck", {"metadata": {"name": "held", "finalizers": ["example.com/hold"]}})
    core.delete_namespace("stuck")
    sim.advance(60)
    assert core.read_namespace("stuck").status.phase == "Terminating"
    core.patch_namespaced_config_map("held", "stuck", {"metadata": {"finalizers": None}})
    sim.advance(2)
    assert "stuck" not in [n.metadata.name for n in core.list_namespace().items]


def test_pods_on_a_node_whose_kubelet_is_down_never_finish_terminating(core, sim):
    core.create_namespaced_pod("default", pod_body("p"))
    sim.advance(2)
    node = core.read_namespaced_pod("p", "default").spec.node_name
    sim.stop_kubelet(node)
    core.delete_namespaced_pod("p", "default")
    sim.advance(600)
    assert core.read_namespaced_pod("p", "default").metadata.deletion_timestamp
    sim.start_kubelet(node)
    sim.advance(1)
    assert core.list_namespaced_pod("default").items == []
