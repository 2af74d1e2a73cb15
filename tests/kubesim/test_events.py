"""kubesim's Events: the scheduler, kubelet and controllers report what happens, over HTTP,
through core v1 and events.k8s.io/v1, aggregated and expiring like the real recorder."""

import kubernetes
from kubesim.events import EVENT_TTL

from tests.kubesim.conftest import pod_body


def events_of(core, name, namespace="default", **options):
    items = core.list_namespaced_event(namespace, **options).items
    return [e for e in items if e.involved_object.name == name]


def reasons(events):
    return {(e.type, e.reason) for e in events}


def test_failed_scheduling_names_the_shortfall_and_counts_repeats(core, sim):
    sim.add_node("extra")
    core.create_namespaced_pod("default", pod_body("small"))
    core.create_namespaced_pod("default", pod_body("big", containers=[
        {"name": "main", "image": "x", "resources": {"limits": {"nvidia.com/gpu": "16"}}}]))
    sim.delete("Pod", "default", "small")  # capacity frees up: the scheduler tries again
    sim.advance(1)
    [event] = events_of(core, "big", field_selector="type=Warning")
    assert event.reason == "FailedScheduling" and event.source.component == "default-scheduler"
    assert event.message == "0/4 nodes are available: 4 Insufficient nvidia.com/gpu."
    assert event.count == 2 and event.first_timestamp and event.last_timestamp
    pod_uid = core.read_namespaced_pod("big", "default").metadata.uid
    assert [e.reason for e in core.list_namespaced_event(
        "default", field_selector=f"involvedObject.uid={pod_uid}").items] == ["FailedScheduling"]


def test_repeats_aggregate_into_one_event(core, sim):
    core.create_namespaced_pod("default", pod_body("p", containers=[
        {"name": "main", "image": "x", "resources": {"limits": {"nvidia.com/gpu": "99"}}}]))
    for index in range(3):
        sim.add_node(f"n{index}")
    events = [e for e in events_of(core, "p") if e.reason == "FailedScheduling"]
    assert len({e.message for e in events}) == len(events)  # one object per distinct message
    assert sum(e.count for e in events) >= 4


def test_scheduled_then_pulling_started(core, sim):
    core.create_namespaced_pod("default", pod_body("ok"))
    sim.advance(2)
    assert {"Scheduled", "Pulling", "Pulled", "Created", "Started"} <= {e.reason for e in events_of(core, "ok")}
    assert not events_of(core, "ok", field_selector="type=Warning")


def test_missing_image_reports_failed_and_back_off(core, sim):
    core.create_namespaced_pod("default", pod_body("img", containers=[
        {"name": "main", "image": "registry.example.com/does-not-exist:latest"}]))
    sim.advance(7)
    events = events_of(core, "img")
    assert {(w, r) for w, r in reasons(events)} >= {("Warning", "Failed"), ("Normal", "BackOff")}
    assert any("does-not-exist" in e.message and "not found" in e.message for e in events if e.reason == "Failed")
    waiting = core.read_namespaced_pod("img", "default").status.container_statuses[0].state.waiting
    assert waiting.reason == "ImagePullBackOff"


def test_memory_over_the_limit_is_oom_killed(core, sim):
    core.create_namespaced_pod("default", pod_body("oom", annotations={"kubesim.io/memory-usage": "9Gi"},
                                                   containers=[{"name": "main", "image": "x", "resources": {
                                                       "limits": {"memory": "8Gi"}}}]))
    sim.advance(4)
    status = core.read_namespaced_pod("oom", "default").status.container_statuses[0]
    assert status.last_state.terminated.reason == "OOMKilled" and status.last_state.terminated.exit_code == 137
    assert status.state.waiting.reason == "CrashLoopBackOff"
    assert {("Warning", "OOMKilling"), ("Warning", "BackOff")} <= reasons(events_of(core, "oom"))


def test_missing_secret_fails_the_mount_until_it_exists(core, sim):
    core.create_namespaced_pod("default", pod_body("m", volumes=[{"name": "creds", "secret": {"secretName": "s"}}]))
    sim.advance(3)
    pod = core.read_namespaced_pod("m", "default")
    assert pod.status.phase == "Pending"
    [mount] = [e for e in events_of(core, "m") if e.reason == "FailedMount"]
    assert mount.type == "Warning" and mount.message == 'MountVolume.SetUp failed for volume "creds" : secret "s" not found'
    core.create_namespaced_secret("default", {"metadata": {"name": "s"}, "stringData": {"k": "v"}})
    sim.advance(11)
    assert core.read_namespaced_pod("m", "default").status.phase == "Running"


def test_unbound_claim_keeps_the_pod_unschedulable_until_bound(core, sim):
    core.create_namespaced_persistent_volume_claim("default", {"metadata": {"name": "data"}, "spec": {
        "accessModes": ["ReadWriteOnce"], "storageClassName": "never-binds",
        "resources": {"requests": {"storage": "1Gi"}}}})
    core.create_namespaced_pod("default", pod_body("v", volumes=[{"name": "d", "persistentVolumeClaim": {
        "claimName": "data"}}]))
    [event] = events_of(core, "v", field_selector="type=Warning")
    assert event.message == "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims."
    sim.patch("PersistentVolumeClaim", "default", "data", {"status": {"phase": "Bound"}}, subresource="status")
    assert core.read_namespaced_pod("v", "default").spec.node_name


def test_job_over_its_backoff_limit_and_deployment_scaling(batch, apps, core, sim):
    template = {"metadata": {"annotations": {"kubesim.io/run-seconds": "0", "kubesim.io/exit-code": "1"}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "x"}]}}
    batch.create_namespaced_job("default", {"metadata": {"name": "j"}, "spec": {"backoffLimit": 0, "template": template}})
    apps.create_namespaced_deployment("default", {"metadata": {"name": "d"}, "spec": {
        "replicas": 2, "selector": {"matchLabels": {"app": "d"}}, "template": {
            "metadata": {"labels": {"app": "d"}}, "spec": {"containers": [{"name": "main", "image": "x"}]}}}})
    sim.advance(3)
    assert ("Warning", "BackoffLimitExceeded") in reasons(events_of(core, "j"))
    [scaled] = [e for e in events_of(core, "d") if e.reason == "ScalingReplicaSet"]
    assert scaled.message.startswith("Scaled up replica set d-") and scaled.message.endswith("from 0 to 2")


def test_events_k8s_io_v1_serves_the_same_events_with_list_and_watch(api_client, core, sim):
    core.create_namespaced_pod("default", pod_body("p", containers=[
        {"name": "main", "image": "x", "resources": {"limits": {"nvidia.com/gpu": "99"}}}]))
    events_api = kubernetes.client.EventsV1Api(api_client)
    listed = events_api.list_namespaced_event("default", field_selector="type=Warning")
    [event] = [e for e in listed.items if e.regarding.name == "p"]
    assert event.reason == "FailedScheduling" and event.note.startswith("0/3 nodes are available")
    assert event.deprecated_count == 1 and event.reporting_controller == "default-scheduler"
    uid = event.regarding.uid
    assert len(events_api.list_namespaced_event("default", field_selector=f"regarding.uid={uid}").items) == 1
    stream = kubernetes.watch.Watch().stream(events_api.list_namespaced_event, "default",
                                             resource_version=listed.metadata.resource_version, timeout_seconds=2)
    core.create_namespaced_pod("default", pod_body("q"))
    seen = {item["object"].regarding.name for item in stream}
    assert "q" in seen
    groups = {g.name: [v.version for v in g.versions] for g in kubernetes.client.ApisApi(api_client).get_api_versions().groups}
    assert "v1" in groups["events.k8s.io"]


def test_events_expire_after_the_ttl(core, sim):
    core.create_namespaced_pod("default", pod_body("p", restartPolicy="Never",
                                                   annotations={"kubesim.io/run-seconds": "1"}))
    sim.advance(3)
    assert events_of(core, "p")
    sim.advance(EVENT_TTL + 5, step=600)
    assert not events_of(core, "p")
