"""A deleted namespace stays Terminating until its content is gone, and takes nothing new."""

import pytest

from workloads.cluster import CreateFailed, build_manifests

from .conftest import eventually, raw, spec


def test_a_deleted_namespace_terminates_and_refuses_new_content(gateway, namespace):
    gateway.create_objects(build_manifests(spec(namespace, f"{namespace}-job", "inside",
                                                pod_annotations={"kubesim.io/run-seconds": "600"})))
    eventually(lambda: gateway.list_pods(f"devcenter.io/project={namespace}"), message="the pod")
    status, body = raw(gateway, "DELETE", f"/api/v1/namespaces/{namespace}")
    assert status == 200
    assert body["status"]["phase"] == "Terminating" and body["metadata"]["deletionTimestamp"]
    assert body["spec"]["finalizers"] == ["kubernetes"]

    status, refused = raw(gateway, "POST", f"/api/v1/namespaces/{namespace}/configmaps", {"metadata": {"name": "late"}})
    assert (status, refused["reason"]) == (403, "Forbidden")
    assert refused["message"] == (f'configmaps "late" is forbidden: unable to create new content in namespace '
                                  f"{namespace} because it is being terminated")
    assert refused["details"]["causes"][0]["reason"] == "NamespaceTerminating"
    with pytest.raises(CreateFailed) as error:
        gateway.create_objects(build_manifests(spec(namespace, f"{namespace}-late", "late")))
    assert error.value.status_code == 403

    eventually(lambda: raw(gateway, "GET", f"/api/v1/namespaces/{namespace}")[0] == 404,
               message="the namespace to go with its content")
    assert not gateway.list_pods(f"devcenter.io/project={namespace}")


def test_a_namespace_gets_its_default_service_account(gateway, namespace):
    def account():
        status, body = raw(gateway, "GET", f"/api/v1/namespaces/{namespace}/serviceaccounts/default")
        return status == 200 and body

    assert eventually(account, message="the default service account")["metadata"]["name"] == "default"
