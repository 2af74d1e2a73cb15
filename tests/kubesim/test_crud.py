"""Create / get / replace / patch / delete through the typed client, with the real error
reasons and codes."""

import json

import pytest
from kubernetes.client.exceptions import ApiException

from tests.kubesim.conftest import deployment_body, job_body, pod_body, raw


def error_body(excinfo) -> dict:
    return json.loads(excinfo.value.body)


def test_create_sets_server_fields(core):
    pod = core.create_namespaced_pod("default", pod_body("web"))
    assert pod.metadata.uid and pod.metadata.creation_timestamp
    assert pod.metadata.resource_version.isdigit()
    assert pod.metadata.generation == 1
    assert pod.metadata.namespace == "default"
    assert pod.kind == "Pod" and pod.api_version == "v1"


def test_resource_version_is_one_global_counter(core):
    first = core.create_namespaced_config_map("default", {"metadata": {"name": "a"}})
    second = core.create_namespaced_config_map("default", {"metadata": {"name": "b"}})
    assert int(second.metadata.resource_version) > int(first.metadata.resource_version)
    listed = core.list_namespaced_config_map("default")
    assert int(listed.metadata.resource_version) >= int(second.metadata.resource_version)


def test_generate_name_adds_random_suffix(core):
    pod = core.create_namespaced_pod("default", {"metadata": {"generateName": "worker-"},
                                                 "spec": pod_body("x")["spec"]})
    assert pod.metadata.name.startswith("worker-") and len(pod.metadata.name) == len("worker-") + 5


def test_already_exists_is_409(core):
    core.create_namespaced_pod("default", pod_body("web"))
    with pytest.raises(ApiException) as excinfo:
        core.create_namespaced_pod("default", pod_body("web"))
    assert excinfo.value.status == 409
    body = error_body(excinfo)
    assert body["reason"] == "AlreadyExists" and body["kind"] == "Status"
    assert body["details"] == {"name": "web", "kind": "pods"}


def test_not_found_is_404(core, batch):
    with pytest.raises(ApiException) as excinfo:
        core.read_namespaced_pod("missing", "default")
    assert excinfo.value.status == 404
    assert error_body(excinfo)["reason"] == "NotFound"
    with pytest.raises(ApiException) as excinfo:
        batch.read_namespaced_job("missing", "default")
    assert error_body(excinfo)["message"] == 'jobs.batch "missing" not found'


def test_create_in_missing_namespace_is_404(core):
    with pytest.raises(ApiException) as excinfo:
        core.create_namespaced_pod("nowhere", pod_body("web"))
    assert excinfo.value.status == 404
    assert error_body(excinfo)["message"] == 'namespaces "nowhere" not found'


@pytest.mark.parametrize(("body", "field"), [
    ({"metadata": {"name": "p"}, "spec": {}}, "spec.containers"),
    ({"metadata": {"name": "p"}, "spec": {"containers": [{"image": "x"}]}}, "spec.containers[0].name"),
    ({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}}, "spec.containers[0].image"),
    ({"metadata": {"name": "Not_A_Name"}, "spec": {"containers": [{"name": "c", "image": "x"}]}}, "metadata.name"),
])
def test_invalid_pod_is_422_naming_the_field(kubesim, body, field):
    # The typed client refuses to build a V1Pod without containers, so send raw JSON.
    status, details = raw(kubesim, "POST", "/api/v1/namespaces/default/pods", body)
    assert status == 422
    assert details["reason"] == "Invalid" and details["code"] == 422
    assert field in [cause["field"] for cause in details["details"]["causes"]]
    assert field in details["message"]


def test_invalid_job_and_deployment(kubesim):
    def post(path, body):
        status, details = raw(kubesim, "POST", path, body)
        assert status == 422
        return [cause["field"] for cause in details["details"]["causes"]]

    assert "spec.template" in post("/apis/batch/v1/namespaces/default/jobs", {"metadata": {"name": "j"}, "spec": {}})
    body = deployment_body("d")
    del body["spec"]["selector"]
    assert "spec.selector" in post("/apis/apps/v1/namespaces/default/deployments", body)
    body = job_body("j")
    del body["spec"]["template"]["spec"]["restartPolicy"]
    assert "spec.template.spec.restartPolicy" in post("/apis/batch/v1/namespaces/default/jobs", body)


def test_typed_client_maps_invalid_to_api_exception(core):
    with pytest.raises(ApiException) as excinfo:
        core.create_namespaced_pod("default", pod_body("Bad_Name"))
    assert excinfo.value.status == 422
    assert error_body(excinfo)["details"]["causes"][0]["field"] == "metadata.name"


def test_replace_with_stale_resource_version_conflicts(core):
    created = core.create_namespaced_config_map("default", {"metadata": {"name": "cfg"}, "data": {"a": "1"}})
    created.data = {"a": "2"}
    updated = core.replace_namespaced_config_map("cfg", "default", created)
    assert updated.data == {"a": "2"}
    assert int(updated.metadata.resource_version) > int(created.metadata.resource_version)
    created.data = {"a": "3"}  # still carries the old resourceVersion
    with pytest.raises(ApiException) as excinfo:
        core.replace_namespaced_config_map("cfg", "default", created)
    assert excinfo.value.status == 409
    assert error_body(excinfo)["reason"] == "Conflict"


def test_generation_increments_on_spec_change_only(apps):
    apps.create_namespaced_deployment("default", deployment_body("d"))
    patched = apps.patch_namespaced_deployment("d", "default", {"metadata": {"labels": {"x": "y"}}})
    assert patched.metadata.generation == 1
    patched = apps.patch_namespaced_deployment("d", "default", {"spec": {"replicas": 5}})
    assert patched.metadata.generation == 2


def test_merge_patch(kubesim, core):
    core.create_namespaced_config_map("default", {"metadata": {"name": "cfg"}, "data": {"a": "1", "b": "2"}})
    status, _ = raw(kubesim, "PATCH", "/api/v1/namespaces/default/configmaps/cfg", {"data": {"a": None, "c": "3"}},
                    "application/merge-patch+json")
    assert status == 200
    assert core.read_namespaced_config_map("cfg", "default").data == {"b": "2", "c": "3"}


def test_strategic_merge_patch_merges_containers_by_name(core):
    core.create_namespaced_pod("default", pod_body("p", containers=[
        {"name": "a", "image": "one"}, {"name": "b", "image": "two"}]))
    # The typed client sends strategic merge patch for a dict body.
    pod = core.patch_namespaced_pod("p", "default", {"spec": {"containers": [{"name": "b", "image": "three"}]},
                                                     "metadata": {"labels": {"l": "v"}}})
    assert [(c.name, c.image) for c in pod.spec.containers] == [("a", "one"), ("b", "three")]
    assert pod.metadata.labels == {"l": "v"}


def test_json_patch(core):
    core.create_namespaced_config_map("default", {"metadata": {"name": "cfg", "labels": {"a": "1"}},
                                                  "data": {"k": "v"}})
    # A list body makes the typed client send application/json-patch+json.
    cfg = core.patch_namespaced_config_map("cfg", "default", [
        {"op": "test", "path": "/data/k", "value": "v"},
        {"op": "replace", "path": "/data/k", "value": "w"},
        {"op": "add", "path": "/metadata/labels/b", "value": "2"},
        {"op": "remove", "path": "/metadata/labels/a"},
    ])
    assert cfg.data == {"k": "w"} and cfg.metadata.labels == {"b": "2"}
    with pytest.raises(ApiException) as excinfo:
        core.patch_namespaced_config_map("cfg", "default", [{"op": "test", "path": "/data/k", "value": "nope"}])
    assert excinfo.value.status == 422


def test_patch_with_stale_resource_version_conflicts(core):
    created = core.create_namespaced_config_map("default", {"metadata": {"name": "cfg"}})
    core.patch_namespaced_config_map("cfg", "default", {"data": {"a": "1"}})
    with pytest.raises(ApiException) as excinfo:
        core.patch_namespaced_config_map("cfg", "default", {"metadata": {
            "resourceVersion": created.metadata.resource_version}, "data": {"a": "2"}})
    assert excinfo.value.status == 409


def test_delete_answers_a_status_and_404_afterwards(core):
    core.create_namespaced_config_map("default", {"metadata": {"name": "cfg"}})
    result = core.delete_namespaced_config_map("cfg", "default")
    # Deleted at once: the real server answers with a Status (a pod that terminates: the pod).
    assert (result["kind"] if isinstance(result, dict) else result.kind) == "Status"
    details = result["details"] if isinstance(result, dict) else result.details.to_dict()
    assert details["name"] == "cfg" and details["kind"] == "configmaps"
    with pytest.raises(ApiException) as excinfo:
        core.delete_namespaced_config_map("cfg", "default")
    assert excinfo.value.status == 404


def test_delete_with_stale_uid_precondition_conflicts(core):
    core.create_namespaced_config_map("default", {"metadata": {"name": "cfg"}})
    with pytest.raises(ApiException) as excinfo:
        core.delete_namespaced_config_map("cfg", "default", body={"preconditions": {"uid": "not-the-uid"}})
    assert excinfo.value.status == 409
    assert error_body(excinfo)["reason"] == "Conflict"
    uid = core.read_namespaced_config_map("cfg", "default").metadata.uid
    core.delete_namespaced_config_map("cfg", "default", body={"preconditions": {"uid": uid}})


def test_deletecollection_by_label(core):
    for index in range(4):
        core.create_namespaced_config_map("default", {"metadata": {"name": f"c{index}",
                                                                   "labels": {"team": "a" if index % 2 else "b"}}})
    core.delete_collection_namespaced_config_map("default", label_selector="team=a")
    assert sorted(c.metadata.name for c in core.list_namespaced_config_map("default").items) == ["c0", "c2"]


def test_namespace_and_status_subresource(core, sim):
    namespace = core.create_namespace({"metadata": {"name": "team-a"}})
    assert namespace.status.phase == "Active"
    core.create_namespaced_pod("team-a", pod_body("p"))
    pod = core.patch_namespaced_pod_status("p", "team-a", {"status": {"message": "hello"}})
    assert pod.status.message == "hello"
    core.delete_namespace("team-a")
    assert core.read_namespace("team-a").status.phase == "Terminating"
    sim.advance(3)
    assert core.list_namespaced_pod("team-a").items == []
    assert "team-a" not in [n.metadata.name for n in core.list_namespace().items]


def test_unauthorized_without_token(kubesim):
    status, body = raw(kubesim, "GET", "/api/v1/pods", token="wrong")
    assert status == 401
    assert body["reason"] == "Unauthorized" and body["kind"] == "Status"


def test_unknown_paths_and_methods(kubesim):
    status, body = raw(kubesim, "GET", "/apis/nothing/v1/things")
    assert status == 404 and body["kind"] == "Status"
    status, body = raw(kubesim, "POST", "/api/v1/namespaces/default/pods/p", {"metadata": {"name": "p"}})
    assert status == 405 and body["reason"] == "MethodNotAllowed"
    status, body = raw(kubesim, "POST", "/api/v1/pods", {"metadata": {"name": "p"}})
    assert status == 405
