"""KServe InferenceServices (serving.kserve.io/v1beta1), a custom resource: discovery, CRUD, paged
lists and watches through `CustomObjectsApi`, and a controller that makes them Ready."""

import kubernetes
import pytest
from kubernetes import watch
from kubernetes.client.exceptions import ApiException

from tests.kubesim.conftest import raw

GROUP, VERSION, PLURAL = "serving.kserve.io", "v1beta1", "inferenceservices"


@pytest.fixture
def custom(api_client):
    return kubernetes.client.CustomObjectsApi(api_client)


def isvc_body(name, labels=None, annotations=None, **extra):
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "InferenceService",
        "metadata": {"name": name, "labels": labels or {}, "annotations": annotations or {}},
        "spec": {
            "predictor": {
                "minReplicas": 1,
                "model": {
                    "modelFormat": {"name": "sklearn"},
                    "storageUri": "gs://kfserving-examples/models/sklearn/1.0/model",
                    "resources": {"requests": {"cpu": "1", "memory": "2Gi"}},
                },
            }
        },
        **extra,
    }


def create(custom, body, namespace="default"):
    return custom.create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, body)


def conditions(isvc):
    return {c["type"]: c for c in (isvc.get("status") or {}).get("conditions") or []}


def test_discovery_lists_the_group_and_its_resource(api_client, kubesim):
    groups = {g.name: g for g in kubernetes.client.ApisApi(api_client).get_api_versions().groups}
    assert groups[GROUP].preferred_version.group_version == f"{GROUP}/{VERSION}"
    status, group = raw(kubesim, "GET", f"/apis/{GROUP}")
    assert (status, group["kind"], group["versions"][0]["version"]) == (200, "APIGroup", VERSION)
    status, listing = raw(kubesim, "GET", f"/apis/{GROUP}/{VERSION}")
    resources = {r["name"]: r for r in listing["resources"]}
    assert status == 200 and listing["groupVersion"] == f"{GROUP}/{VERSION}"
    assert resources[PLURAL]["kind"] == "InferenceService"
    assert resources[PLURAL]["namespaced"] is True
    assert resources[PLURAL]["shortNames"] == ["isvc"]
    assert f"{PLURAL}/status" in resources


def test_create_read_patch_delete(custom):
    created = create(custom, isvc_body("iris", status={"url": "http://forged"}))
    assert (created["kind"], created["apiVersion"]) == ("InferenceService", f"{GROUP}/{VERSION}")
    assert created["metadata"]["uid"] and created["metadata"]["namespace"] == "default"
    assert "forged" not in str(created.get("status"))  # status belongs to the controller
    read = custom.get_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "iris")
    assert read["metadata"]["uid"] == created["metadata"]["uid"]
    patched = custom.patch_namespaced_custom_object(
        GROUP, VERSION, "default", PLURAL, "iris", {"spec": {"predictor": {"minReplicas": 2}}}
    )
    assert patched["spec"]["predictor"]["minReplicas"] == 2
    assert patched["spec"]["predictor"]["model"]["modelFormat"] == {"name": "sklearn"}
    assert patched["metadata"]["generation"] == 2
    custom.delete_namespaced_custom_object(
        GROUP, VERSION, "default", PLURAL, "iris", body={"preconditions": {"uid": created["metadata"]["uid"]}}
    )
    with pytest.raises(ApiException) as error:
        custom.get_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "iris")
    assert error.value.status == 404


def test_a_predictor_is_required(custom):
    body = isvc_body("empty")
    body["spec"] = {}
    with pytest.raises(ApiException) as error:
        create(custom, body)
    assert error.value.status == 422
    assert "spec.predictor" in str(error.value.body)


def test_cluster_wide_list_by_label_selector_in_pages(custom, sim):
    sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "vision"}})
    for index in range(5):
        create(custom, isvc_body(f"m{index}", labels={"team": "vision"}), "vision" if index % 2 else "default")
    create(custom, isvc_body("other", labels={"team": "nlp"}))
    names, token, pages = [], None, 0
    while True:
        kwargs = {"_continue": token} if token else {}
        page = custom.list_cluster_custom_object(GROUP, VERSION, PLURAL, label_selector="team=vision", limit=2, **kwargs)
        pages += 1
        names += [item["metadata"]["name"] for item in page["items"]]
        token = page["metadata"].get("continue")
        if not token:
            break
    assert sorted(names) == [f"m{index}" for index in range(5)]
    assert pages == 3
    namespaced = custom.list_namespaced_custom_object(GROUP, VERSION, "vision", PLURAL)
    assert sorted(item["metadata"]["name"] for item in namespaced["items"]) == ["m1", "m3"]


def test_watch_sees_the_controller_make_it_ready(custom, sim):
    listed = custom.list_namespaced_custom_object(GROUP, VERSION, "default", PLURAL)
    create(custom, isvc_body("iris", annotations={"kubesim.io/ready-seconds": "3"}))
    sim.advance(3)
    events = [
        (event["type"], conditions(event["object"]).get("Ready", {}).get("status"))
        for event in watch.Watch().stream(
            custom.list_namespaced_custom_object,
            GROUP,
            VERSION,
            "default",
            PLURAL,
            resource_version=listed["metadata"]["resourceVersion"],
            timeout_seconds=1,
        )
    ]
    assert events == [("ADDED", None), ("MODIFIED", "False"), ("MODIFIED", "True")]


def test_controller_reports_ready_with_a_url_after_a_delay(custom, sim):
    create(custom, isvc_body("iris"))
    starting = custom.get_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "iris")
    ready = conditions(starting)["Ready"]
    assert (ready["status"], ready["reason"]) == ("False", "MinimumReplicasUnavailable")
    assert "url" not in starting["status"]
    sim.advance(5)
    served = custom.get_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "iris")
    assert {kind: c["status"] for kind, c in conditions(served).items()} == {
        "IngressReady": "True",
        "PredictorReady": "True",
        "Ready": "True",
    }
    assert served["status"]["url"] == "http://iris.default.example.com"
    assert served["status"]["observedGeneration"] == 1


def test_ready_seconds_annotation_sets_the_delay(custom, sim):
    create(custom, isvc_body("slow", annotations={"kubesim.io/ready-seconds": "30"}))
    sim.advance(20)
    assert conditions(sim.get("InferenceService", "default", "slow"))["Ready"]["status"] == "False"
    sim.advance(10)
    assert conditions(sim.get("InferenceService", "default", "slow"))["Ready"]["status"] == "True"
