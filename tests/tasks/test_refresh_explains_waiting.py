"""Per cause, on kubesim over HTTP: the refresh names the dominant reason, and clears it within
one refresh after the cause is removed; the Events it read are stored, bounded, per workload."""

from datetime import datetime

from workloads.cluster.manifests import build_manifests
from workloads.models import Workload, WorkloadEvent, WorkloadType
from workloads.status import WorkloadStatus
from workloads.sync.refresh import refresh_cluster

from .conftest import GIB, make_workload, spec_for

SERVICE = {"image": "registry.example/serve:1", "port": 8080}


def launch(sim, cluster, project, *, name="train", type_=WorkloadType.TRAINING, spec=None, change=None,
           annotations=None, **fields):
    workload = make_workload(cluster, project, name=name, type_=type_, spec=spec or {"image": "r/train:1"},
                             **fields)
    manifests = build_manifests(spec_for(workload, gpu=fields.get("requested_gpu", 0),
                                         memory_bytes=fields.get("requested_memory_bytes", GIB),
                                         pod_annotations=annotations or {}))
    for manifest in manifests:
        if change and manifest["kind"] in ("Job", "Deployment"):
            change(manifest["spec"]["template"]["spec"])
        sim.create(manifest)
    return workload


def why_after_refresh(sim, cluster, workload, seconds=2):
    sim.advance(seconds)
    assert refresh_cluster(cluster.id).reachable
    workload.refresh_from_db()
    return workload.why


def patch_template(sim, name, template_spec=None, annotations=None):
    deployment = next(d for d in sim.list("Deployment", "vision") if d["metadata"]["name"].startswith(name))
    template = deployment["spec"]["template"]
    if annotations is not None:
        template["metadata"]["annotations"] = annotations
    if template_spec:
        template["spec"]["containers"][0].update(template_spec)
    sim.patch("Deployment", "vision", deployment["metadata"]["name"], {"spec": {"template": template}})


def test_no_gpu_capacity_then_a_node_with_room(sim, sim_cluster, vision):
    workload = launch(sim, sim_cluster, vision, requested_gpu=16)
    assert why_after_refresh(sim, sim_cluster, workload) == (
        "Waiting for 16 GPUs on one node: 24 free on sim, but no node has 16. Lower the request or wait.")
    assert workload.why_kind == "capacity"
    assert WorkloadEvent.objects.filter(workload=workload, reason="FailedScheduling").exists()
    sim.add_node("big", gpus=16)
    assert why_after_refresh(sim, sim_cluster, workload) == ""
    assert workload.status == WorkloadStatus.RUNNING


def test_cluster_quota_refuses_the_pods_then_is_raised(sim, sim_cluster, vision):
    sim.create({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "gpus", "namespace": "vision"},
                "spec": {"hard": {"requests.nvidia.com/gpu": "2"}}})
    workload = launch(sim, sim_cluster, vision, requested_gpu=4)
    assert why_after_refresh(sim, sim_cluster, workload) == "Quota: vision has 2 of 2 GPUs free on sim."
    assert workload.why_kind == "quota"
    sim.patch("ResourceQuota", "vision", "gpus", {"spec": {"hard": {"requests.nvidia.com/gpu": "8"}}})
    assert why_after_refresh(sim, sim_cluster, workload, seconds=11) == ""


def test_image_not_found_then_fixed(sim, sim_cluster, vision):
    image = "registry.example.com/does-not-exist:latest"
    workload = launch(sim, sim_cluster, vision, name="serve", type_=WorkloadType.INFERENCE,
                      spec={**SERVICE, "image": image})
    assert why_after_refresh(sim, sim_cluster, workload) == f"Image not found: {image}. Check the image name."
    patch_template(sim, "serve", {"image": "registry.example/serve:2"})
    assert why_after_refresh(sim, sim_cluster, workload, seconds=3) == ""


def test_crash_loop_then_fixed(sim, sim_cluster, vision):
    workload = launch(sim, sim_cluster, vision, name="serve", type_=WorkloadType.INFERENCE, spec=SERVICE,
                      annotations={"kubesim.io/crash-loop": "true"})
    assert why_after_refresh(sim, sim_cluster, workload).startswith("Crash loop: container ")
    patch_template(sim, "serve", annotations={"kubesim.io/crash-loop": None})  # merge patch: null removes
    assert why_after_refresh(sim, sim_cluster, workload, seconds=3) == ""


def test_out_of_memory_then_raised(sim, sim_cluster, vision):
    workload = launch(sim, sim_cluster, vision, name="serve", type_=WorkloadType.INFERENCE, spec=SERVICE,
                      requested_memory_bytes=8 * GIB, annotations={"kubesim.io/memory-usage": "9Gi"})
    why = why_after_refresh(sim, sim_cluster, workload, seconds=3)
    assert why.startswith("Out of memory: container ") and "used its 8 GiB limit (1 restart). Raise memory." in why
    patch_template(sim, "serve", {"resources": {"requests": {"memory": "16Gi", "cpu": "1"},
                                                "limits": {"memory": "16Gi"}}})
    assert why_after_refresh(sim, sim_cluster, workload, seconds=3) == ""


def test_failed_mount_then_the_secret_exists(sim, sim_cluster, vision):
    def with_secret_volume(pod_spec):
        pod_spec["volumes"] = [{"name": "creds", "secret": {"secretName": "creds"}}]

    workload = launch(sim, sim_cluster, vision, change=with_secret_volume)
    assert why_after_refresh(sim, sim_cluster, workload) == \
        'Volume cannot be mounted: secret "creds" not found. Create what it names or fix the volume.'
    sim.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": "vision"}})
    assert why_after_refresh(sim, sim_cluster, workload, seconds=11) == ""


def test_taint_without_toleration_then_removed(sim, sim_cluster, vision):
    for node in sim.list("Node"):
        sim.patch("Node", None, node["metadata"]["name"], {"spec": {"taints": [
            {"key": "dedicated", "value": "infra", "effect": "NoSchedule"}]}})
    workload = launch(sim, sim_cluster, vision)
    assert why_after_refresh(sim, sim_cluster, workload).startswith(
        "No node accepts it on sim: 3 node(s) have taint {dedicated: infra}")
    for node in sim.list("Node"):
        sim.patch("Node", None, node["metadata"]["name"], {"spec": {"taints": None}})
    assert why_after_refresh(sim, sim_cluster, workload) == ""


def test_unbound_claim_then_bound(sim, sim_cluster, vision):
    sim.create({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": "vision"},
                "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "never-binds",
                         "resources": {"requests": {"storage": "1Gi"}}}})

    def with_claim(pod_spec):
        pod_spec["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]

    workload = launch(sim, sim_cluster, vision, change=with_claim)
    assert why_after_refresh(sim, sim_cluster, workload) == (
        "Waiting for storage: pod has unbound immediate PersistentVolumeClaims. Check the claim and its storage class.")
    sim.patch("PersistentVolumeClaim", "vision", "data", {"status": {"phase": "Bound"}}, subresource="status")
    assert why_after_refresh(sim, sim_cluster, workload) == ""


def test_time_to_start_segments_add_up_to_created_to_running(sim, sim_cluster, vision):
    workload = launch(sim, sim_cluster, vision, annotations={"kubesim.io/start-seconds": "4",
                                                            "kubesim.io/ready-seconds": "2"})
    why_after_refresh(sim, sim_cluster, workload, seconds=8)
    timeline = workload.start_timeline
    assert set(timeline) == {"created", "scheduled", "running", "ready"}
    at = {k: datetime.fromisoformat(v) for k, v in timeline.items()}
    segments = [(at["scheduled"] - at["created"]), (at["running"] - at["scheduled"])]
    assert abs(sum(s.total_seconds() for s in segments) - (at["running"] - at["created"]).total_seconds()) <= 2
    assert 3 <= (at["running"] - at["created"]).total_seconds() <= 6


def test_events_of_another_namespace_or_project_are_never_claimed(sim, sim_cluster, vision):
    workload = launch(sim, sim_cluster, vision, requested_gpu=16)
    pod = sim.list("Pod", "vision")[0]
    # An Event in another namespace about this pod's uid is no evidence for the workload.
    sim.create({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "forged", "namespace": "nlp"},
                "involvedObject": {"kind": "Pod", "name": pod["metadata"]["name"], "uid": pod["metadata"]["uid"]},
                "type": "Warning", "reason": "Forged", "message": "x", "count": 1})
    why_after_refresh(sim, sim_cluster, workload)
    assert not WorkloadEvent.objects.filter(reason="Forged").exists()


def test_the_stored_history_is_bounded_and_a_steady_refresh_writes_nothing(sim, sim_cluster, vision):
    workload = launch(sim, sim_cluster, vision, requested_gpu=16)
    pod = sim.list("Pod", "vision")[0]
    for index in range(WorkloadEvent.EVENTS_KEPT + 10):
        sim.create({"apiVersion": "v1", "kind": "Event", "metadata": {"name": f"e{index}", "namespace": "vision"},
                    "involvedObject": {"kind": "Pod", "name": pod["metadata"]["name"], "uid": pod["metadata"]["uid"]},
                    "type": "Warning", "reason": "Unhealthy", "message": f"probe {index}", "count": 1,
                    "lastTimestamp": f"2026-01-01T00:{index // 60:02d}:{index % 60:02d}Z"})
    why_after_refresh(sim, sim_cluster, workload)
    assert WorkloadEvent.objects.filter(workload=workload).count() == WorkloadEvent.EVENTS_KEPT
    assert Workload.objects.get(pk=workload.pk).why.startswith("Waiting for 16 GPUs")
