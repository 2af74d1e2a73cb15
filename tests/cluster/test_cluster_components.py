"""Listed objects -> top-level components: owner graph, pods feeding owners, requests summed."""

from datetime import UTC, datetime

import pytest

from workloads.cluster import labels
from workloads.cluster.components import Resources, object_requests, observe
from workloads.cluster.resources import AMOUNT_MAX, GPU_MAX
from workloads.status import ComponentState as S

LABELS = {labels.WORKLOAD_ID: "w1", labels.PROJECT: "vision", labels.WORKLOAD_TYPE: "inference"}


def meta(name, uid, owner=None, owner_kind="ReplicaSet"):
    metadata = {
        "name": name,
        "namespace": "vision",
        "uid": uid,
        "labels": dict(LABELS),
        "annotations": {labels.SUBMITTER: "alice@example.com"},
        "creationTimestamp": "2025-01-02T03:04:05Z",
    }
    if owner:
        metadata["ownerReferences"] = [{"kind": owner_kind, "name": "x", "uid": owner, "controller": True}]
    return metadata


def template(requests, limits=None):
    resources = {"requests": requests}
    if limits:
        resources["limits"] = limits
    return {"spec": {"containers": [{"name": "main", "image": "i", "resources": resources}]}}


def crashing_pod(name, uid, owner, owner_kind="ReplicaSet"):
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": meta(name, uid, owner, owner_kind),
        "spec": template({"cpu": "1"})["spec"],
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "main",
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 10s"}},
                }
            ],
        },
    }


def deployment_tree():
    deployment = {
        "kind": "Deployment",
        "apiVersion": "apps/v1",
        "metadata": meta("infer", "dep"),
        "spec": {
            "replicas": 2,
            "template": template({"nvidia.com/gpu": "1", "cpu": "500m", "memory": "1Gi"}),
        },
        "status": {"replicas": 2, "readyReplicas": 1},
    }
    replicaset = {
        "kind": "ReplicaSet",
        "apiVersion": "apps/v1",
        "metadata": meta("infer-5d9", "rs", "dep", "Deployment"),
        "spec": {"replicas": 2, "template": deployment["spec"]["template"]},
        "status": {"replicas": 2, "readyReplicas": 1},
    }
    service = {"kind": "Service", "apiVersion": "v1", "metadata": meta("infer", "svc"), "spec": {"ports": []}}
    return [crashing_pod("infer-5d9-a", "pod-a", "rs"), replicaset, deployment, service]


def test_only_top_level_objects_are_components():
    components = observe(deployment_tree())
    assert sorted((c.kind, c.name) for c in components) == [("Deployment", "infer"), ("Service", "infer")]


def test_pods_feed_their_top_level_owner_through_the_replicaset():
    deployment = next(c for c in observe(deployment_tree()) if c.kind == "Deployment")
    assert (deployment.state, deployment.reason) == (S.FAILED, "CrashLoopBackOff: back-off 10s")


def test_component_fields():
    deployment = next(c for c in observe(deployment_tree()) if c.kind == "Deployment")
    assert deployment.workload_id == "w1"
    assert deployment.project == "vision"
    assert deployment.api_version == "apps/v1"
    assert deployment.namespace == "vision"
    assert deployment.uid == "dep"
    assert deployment.submitter == "alice@example.com"
    assert deployment.labels[labels.WORKLOAD_TYPE] == "inference"
    assert deployment.created_at == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert deployment.requests == Resources(gpu=2, cpu_millicores=1000, memory_bytes=2 * 2**30)


def test_pod_whose_owner_was_not_listed_is_a_component():
    # Orphaned by a delete without propagation, or owned by something that is not labelled.
    (component,) = observe([crashing_pod("orphan", "pod-o", "job-gone", "Job")])
    assert (component.kind, component.state) == ("Pod", S.FAILED)


def test_job_pods_feed_the_job():
    job = {
        "kind": "Job",
        "apiVersion": "batch/v1",
        "metadata": meta("train", "job"),
        "spec": {"parallelism": 4, "completions": 4, "template": template({"nvidia.com/gpu": "2"})},
        "status": {"active": 1},
    }
    pod = crashing_pod("train-x", "pod-x", "job", "Job")
    pod["status"]["containerStatuses"][0]["state"]["waiting"] = {
        "reason": "ImagePullBackOff",
        "message": "nope",
    }
    (component,) = observe([pod, job])
    assert (component.state, component.reason) == (S.FAILED, "ImagePullBackOff: nope")
    assert component.requests.gpu == 8


def test_requests_follow_kubernetes_rules():
    # A limit without a request is requested at the limit; init containers count as their max.
    pod = {
        "kind": "Pod",
        "spec": {
            "initContainers": [{"name": "fetch", "resources": {"requests": {"cpu": "4", "memory": "1Gi"}}}],
            "containers": [
                {"name": "a", "resources": {"limits": {"nvidia.com/gpu": "1", "memory": "2Gi"}}},
                {"name": "b", "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}}},
            ],
        },
    }
    assert object_requests(pod) == Resources(gpu=1, cpu_millicores=4000, memory_bytes=2 * 2**30 + 512 * 2**20)


def test_job_requests_are_capped_by_completions():
    job = {"kind": "Job", "spec": {"parallelism": 8, "completions": 2, "template": template({"cpu": "1"})}}
    assert object_requests(job).cpu_millicores == 2000


def test_helpers_request_nothing_and_bad_quantities_count_as_zero():
    assert object_requests({"kind": "Service", "spec": {}}) == Resources()
    pod = {"kind": "Pod", "spec": template({"cpu": "lots", "memory": "1Gi"})["spec"]}
    assert object_requests(pod) == Resources(0, 0, 2**30)


def inference_service(predictor):
    return {
        "kind": "InferenceService",
        "apiVersion": "serving.kserve.io/v1beta1",
        "spec": {"predictor": predictor},
    }


def test_inference_service_requests_its_model_times_min_replicas():
    model = {
        "modelFormat": {"name": "vllm"},
        "resources": {"limits": {"nvidia.com/gpu": "1", "memory": "16Gi"}},
    }
    assert object_requests(inference_service({"model": model})) == Resources(gpu=1, memory_bytes=16 * 2**30)
    assert object_requests(inference_service({"model": model, "minReplicas": 3})).gpu == 3


def test_inference_service_requests_its_predictor_containers():
    predictor = {
        "minReplicas": 2,
        "containers": [
            {"name": "kserve-container", "resources": {"requests": {"cpu": "2", "memory": "4Gi"}}},
            {"name": "sidecar", "resources": {"requests": {"cpu": "500m"}}},
        ],
    }
    assert object_requests(inference_service(predictor)) == Resources(0, 2 * 2500, 2 * 4 * 2**30)


def test_inference_service_scaled_to_zero_or_without_resources_requests_nothing():
    model = {"resources": {"requests": {"cpu": "1"}}}
    assert object_requests(inference_service({"model": model, "minReplicas": 0})) == Resources()
    assert object_requests(inference_service({"model": {"modelFormat": {"name": "sklearn"}}})) == Resources()
    assert object_requests({"kind": "InferenceService"}) == Resources()


def test_unlabelled_owner_loop_does_not_hang():
    a = crashing_pod("a", "a", "b")
    b = crashing_pod("b", "b", "a")
    assert observe([a, b]) == []


def test_a_component_says_whether_it_is_being_deleted_and_who_owned_it():
    # The Deployment is gone: its ReplicaSet is top-level and names it; its pod terminates.
    replicaset, pod = deployment_tree()[1], deployment_tree()[0]
    pod["metadata"]["deletionTimestamp"] = "2025-01-02T03:05:00Z"
    (component,) = observe([replicaset, pod])
    assert (component.kind, component.owner_uids, component.deleting) == ("ReplicaSet", ("dep",), False)
    assert component.owner_kinds == ("Deployment",)
    (orphan,) = observe([pod])
    assert (orphan.owner_uids, orphan.deleting) == (("rs",), True)
    assert all(c.owner_uids == () and not c.deleting for c in observe(deployment_tree()))


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        ("not an object", "not a Kubernetes object (no metadata)"),
        ({"kind": "Pod", "metadata": ["a", "list"]}, "not a Kubernetes object (no metadata)"),
        ({"kind": "Pod", "metadata": {"namespace": "vision", "uid": "u1"}}, "no name"),
        (
            {"kind": "Pod", "metadata": {"name": "x" * 254, "namespace": "vision", "uid": "u1"}},
            "name longer than 253 characters",
        ),
        (
            {"kind": "Pod", "metadata": {"name": "p", "namespace": "n" * 64, "uid": "u1"}},
            "namespace longer than 63 characters",
        ),
        (
            {"kind": "Pod", "metadata": {"name": "p", "namespace": "vision", "uid": "u" * 37}},
            "uid longer than 36 characters",
        ),
        ({"kind": "Pod", "metadata": {"name": "p", "namespace": "vision", "uid": 7}}, "no uid"),
    ],
    ids=["string", "metadata-list", "no-name", "long-name", "long-namespace", "long-uid", "uid-not-text"],
)
def test_an_object_devcenter_cannot_hold_is_skipped_with_the_reason(broken, reason):
    skipped = []
    components = observe([broken, *deployment_tree()], skipped)
    assert sorted((c.kind, c.name) for c in components) == [("Deployment", "infer"), ("Service", "infer")]
    assert [s.reason for s in skipped] == [reason]
    assert reason in str(skipped[0])


def test_a_status_or_spec_that_cannot_be_read_makes_the_component_unknown_not_an_error():
    deployment = deployment_tree()[2]
    deployment["status"] = {"readyReplicas": "many"}
    deployment["spec"]["replicas"] = "lots"
    deployment["metadata"]["labels"] = {labels.WORKLOAD_ID: 7, labels.PROJECT: "vision"}
    deployment["metadata"]["creationTimestamp"] = 12
    pod = crashing_pod("p", "p1", None)
    pod["status"] = {"phase": "Running", "containerStatuses": "not a list"}
    by_kind = {c.kind: c for c in observe([deployment, pod])}
    assert by_kind["Deployment"].state == S.UNKNOWN
    assert by_kind["Deployment"].reason.startswith("its status cannot be read")
    assert by_kind["Deployment"].workload_id is None  # a label that is no string is no label
    assert by_kind["Deployment"].created_at is None
    assert by_kind["Pod"].state == S.UNKNOWN


def test_requests_beyond_what_devcenter_counts_are_bounded():
    # One hostile pod must not overflow a column: the sums saturate (GPU: 32-bit, others 64-bit).
    pod = {"kind": "Pod", "spec": template({"nvidia.com/gpu": "3000000000", "cpu": "1e999999999"})["spec"]}
    pod["spec"]["containers"].append({"name": "b", "resources": {"requests": {"memory": "9E"}}})
    pod["spec"]["containers"].append({"name": "c", "resources": {"requests": {"memory": "9E"}}})
    assert object_requests(pod) == Resources(GPU_MAX, AMOUNT_MAX, AMOUNT_MAX)
    deployment = {
        "kind": "Deployment",
        "spec": {"replicas": 2**40, "template": template({"nvidia.com/gpu": "8"})},
    }
    assert object_requests(deployment).gpu == GPU_MAX
    negative = {"kind": "Pod", "spec": template({"cpu": "-4", "memory": "-1Gi"})["spec"]}
    assert object_requests(negative) == Resources()
