"""KServe InferenceServices through the gateway: a custom resource listed, created and deleted
through the kind registry like the typed kinds, and skipped where KServe is not installed."""

from workloads.cluster import DeleteResult, Resources, labels, project_selector
from workloads.status import ComponentState as S

LIST_PATH = "/apis/serving.kserve.io/v1beta1/inferenceservices"


def inference_service(name, workload_id, project="vision", **predictor):
    model = {
        "modelFormat": {"name": "sklearn"},
        "storageUri": "gs://kfserving-examples/models/sklearn/1.0/model",
        "resources": {"requests": {"cpu": "1"}, "limits": {"nvidia.com/gpu": "1"}},
    }
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {
            "name": name,
            "namespace": project,
            "labels": {labels.WORKLOAD_ID: workload_id, labels.PROJECT: project},
        },
        "spec": {"predictor": {"model": model, **predictor}},
    }


def test_listed_in_pages_with_their_state_and_requests(sim, gateway):
    for index in range(5):
        sim.create(inference_service(f"isvc-{index}", f"i{index}", minReplicas=2))
    sim.create(inference_service("elsewhere", "n1", project="nlp"))
    starting = gateway.list_components(project_selector(["vision"]))
    assert {(c.kind, c.state, c.reason.split(":")[0]) for c in starting} == {
        ("InferenceService", S.PENDING, "MinimumReplicasUnavailable")
    }
    sim.advance(5)
    sim.reset_requests()
    components = gateway.list_components(project_selector(["vision"]), page_size=2)
    assert sorted(c.workload_id for c in components) == [f"i{index}" for index in range(5)]
    assert {(c.kind, c.api_version, c.state, c.reason) for c in components} == {
        ("InferenceService", "serving.kserve.io/v1beta1", S.RUNNING, "ready")
    }
    assert {c.requests for c in components} == {Resources(gpu=2, cpu_millicores=2000)}
    pages = [r for r in sim.requests if r.path == LIST_PATH]
    assert len(pages) == 3  # 5 objects, 2 a page: one paged LIST, not a call per object
    assert {r.query.get("labelSelector") for r in pages} == {"devcenter.io/project in (vision)"}


def test_a_cluster_without_kserve_is_still_readable(sim, gateway):
    sim.create(inference_service("hidden", "i1"))
    pod_labels = {labels.WORKLOAD_ID: "p1", labels.PROJECT: "vision"}
    sim.create({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "bare", "namespace": "vision", "labels": pod_labels},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    })
    # What a server without KServe's CRD answers a LIST of inferenceservices.
    sim.faults.add(
        method="GET",
        path=r"^/apis/serving\.kserve\.io/",
        status=404,
        message="the server could not find the requested resource",
        times=None,
    )
    components = gateway.list_components(project_selector(["vision"]))
    assert [c.kind for c in components] == ["Pod"]


def test_created_and_deleted_like_the_typed_kinds(sim, gateway):
    (created,) = gateway.create_objects([inference_service("iris", "i9")])
    assert (created.kind, created.api_version, created.namespace) == (
        "InferenceService", "serving.kserve.io/v1beta1", "vision"
    )
    assert created.uid == sim.get("InferenceService", "vision", "iris")["metadata"]["uid"]
    outcome = gateway.delete_component("InferenceService", "vision", "iris", created.uid)
    assert outcome.result is DeleteResult.DELETED
    assert sim.get("InferenceService", "vision", "iris") is None
    again = gateway.delete_component("InferenceService", "vision", "iris", created.uid)
    assert again.result is DeleteResult.ALREADY_GONE


def test_a_recreated_inference_service_is_not_deleted_by_the_old_uid(sim, gateway):
    (old,) = gateway.create_objects([inference_service("iris", "i9")])
    sim.delete("InferenceService", "vision", "iris")
    (new,) = gateway.create_objects([inference_service("iris", "i9")])
    outcome = gateway.delete_component("InferenceService", "vision", "iris", old.uid)
    assert outcome.result is DeleteResult.ALREADY_GONE
    assert "re-created" in outcome.message
    assert sim.get("InferenceService", "vision", "iris")["metadata"]["uid"] == new.uid
