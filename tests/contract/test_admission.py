"""What the server adds to what devcenter sends: admission defaults, the pod's QoS class, a
Service's cluster IP, and managedFields on every object."""

import ipaddress

import pytest

from workloads.cluster import SERVICE, build_manifests
from workloads.cluster.labels import workload_selector

from .conftest import eventually, raw, spec

SERVICE_ACCOUNT_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"


def create_pod(gateway, namespace, name, resources=None, **spec_fields):
    body = {"metadata": {"name": name, "annotations": {"kubesim.io/start-seconds": "0"}},
            "spec": {"containers": [{"name": "main", "image": "busybox:1.36", "resources": resources or {}}],
                     **spec_fields}}
    status, pod = raw(gateway, "POST", f"/api/v1/namespaces/{namespace}/pods", body)
    assert status == 201, pod
    return pod


def test_pods_get_the_default_account_tolerations_and_priority(gateway, namespace):
    pod = create_pod(gateway, namespace, "defaults")
    spec_ = pod["spec"]
    assert spec_["serviceAccountName"] == "default"
    mounts = spec_["containers"][0]["volumeMounts"]
    assert [m["mountPath"] for m in mounts] == [SERVICE_ACCOUNT_MOUNT] and mounts[0]["readOnly"]
    assert mounts[0]["name"] in {v["name"] for v in spec_["volumes"]}
    tolerations = {(t["key"], t["operator"], t["effect"], t["tolerationSeconds"]) for t in spec_["tolerations"]}
    assert tolerations == {("node.kubernetes.io/not-ready", "Exists", "NoExecute", 300),
                           ("node.kubernetes.io/unreachable", "Exists", "NoExecute", 300)}
    assert spec_["priority"] == 0 and spec_["enableServiceLinks"] is True
    assert spec_["terminationGracePeriodSeconds"] == 30 and spec_["dnsPolicy"] == "ClusterFirst"


def test_no_token_is_mounted_when_the_pod_says_so(gateway, namespace):
    pod = create_pod(gateway, namespace, "tokenless", automountServiceAccountToken=False)
    assert not pod["spec"]["containers"][0].get("volumeMounts")
    assert pod["spec"]["serviceAccountName"] == "default"


@pytest.mark.parametrize(("resources", "qos"), [
    ({}, "BestEffort"),
    ({"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"memory": "16Mi"}}, "Burstable"),
    ({"limits": {"cpu": "10m", "memory": "16Mi"}}, "Guaranteed"),
], ids=["best-effort", "burstable", "guaranteed"])
def test_the_qos_class_follows_requests_and_limits(gateway, namespace, resources, qos):
    pod = create_pod(gateway, namespace, f"qos-{qos.lower()}", resources)
    assert pod["status"]["qosClass"] == qos
    if qos == "Guaranteed":  # a limit without a request requests the limit
        assert pod["spec"]["containers"][0]["resources"]["requests"] == {"cpu": "10m", "memory": "16Mi"}


def test_devcenters_pods_are_burstable(gateway, namespace):
    workload_id = f"{namespace}-qos"
    gateway.create_objects(build_manifests(spec(namespace, workload_id, "burst")))
    pods = eventually(lambda: gateway.list_pods(workload_selector(workload_id)), message="the pod")
    _, pod = raw(gateway, "GET", f"/api/v1/namespaces/{namespace}/pods/{pods[0].name}")
    assert pod["status"]["qosClass"] == "Burstable"


def test_a_service_gets_a_cluster_ip(gateway, namespace):
    workload_id = f"{namespace}-ip"
    created = gateway.create_objects(build_manifests(spec(namespace, workload_id, "addressed", shape=SERVICE)))
    service = next(obj for obj in created if obj.kind == "Service")
    _, body = raw(gateway, "GET", f"/api/v1/namespaces/{namespace}/services/{service.name}")
    address = ipaddress.ip_address(body["spec"]["clusterIP"])
    assert address.is_private and body["spec"]["clusterIPs"] == [str(address)]
    status, headless = raw(gateway, "POST", f"/api/v1/namespaces/{namespace}/services", {
        "metadata": {"name": "headless"}, "spec": {"clusterIP": "None", "ports": [{"port": 80}]}})
    assert status == 201 and headless["spec"]["clusterIP"] == "None"


def test_every_object_records_who_wrote_it(gateway, namespace):
    workload_id = f"{namespace}-managed"
    gateway.create_objects(build_manifests(spec(namespace, workload_id, "managed", shape=SERVICE)))
    eventually(lambda: gateway.list_pods(workload_selector(workload_id)), message="the pod")
    paths = {"Deployment": "/apis/apps/v1/namespaces/{}/deployments", "ReplicaSet": "/apis/apps/v1/namespaces/{}/replicasets",
             "Pod": "/api/v1/namespaces/{}/pods", "Service": "/api/v1/namespaces/{}/services"}
    for kind, path in paths.items():
        _, listed = raw(gateway, "GET", path.format(namespace))
        assert listed["items"], kind
        for obj in listed["items"]:
            entries = obj["metadata"].get("managedFields") or []
            assert entries, f"{kind} {obj['metadata']['name']} has no managedFields"
            assert all(e["manager"] and e["operation"] == "Update" and e["fieldsType"] == "FieldsV1" for e in entries)
            if kind in ("Deployment", "Service"):  # created by devcenter's client
                assert entries[0]["manager"] == "OpenAPI-Generator"
                assert "f:metadata" in entries[0]["fieldsV1"] and "f:spec" in entries[0]["fieldsV1"]
