"""The manifests on the genuine kube-apiserver: `kubectl kustomize deploy/overlays/example`
created for real and then server-side applied; with the deployed ServiceAccount's token,
mounted as a pod would have it (in-cluster access), every gateway operation succeeds in a
managed namespace, and what devcenter does not need is refused with 403: reading Secrets,
deleting namespaces, writing outside the managed namespaces."""

import base64
import json
import shutil

import pytest

from projects.models import Cluster
from tests.conftest import launched_spec
from tests.deploy.conftest import kustomize
from workloads.cluster import ClusterGateway, CreateFailed, build_manifests
from workloads.cluster.gateway import DeleteResult
from workloads.cluster.kinds import KINDS
from workloads.cluster.labels import project_selector
from workloads.types import LAUNCHABLE

from .conftest import FAST_CLIENT, eventually, raw, wait_until_pods_are_admitted

MANAGED = ("vision", "nlp")  # the example overlay's project namespaces
PLURALS = {"Namespace": "namespaces", "ServiceAccount": "serviceaccounts", "ClusterRole": "clusterroles",
           "ClusterRoleBinding": "clusterrolebindings", "Role": "roles", "RoleBinding": "rolebindings",
           "ConfigMap": "configmaps", "Service": "services", "Deployment": "deployments", "Ingress": "ingresses"}


def collection(obj: dict) -> str:
    group_version = obj["apiVersion"]
    prefix = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
    namespace = obj["metadata"].get("namespace")
    return f"{prefix}/namespaces/{namespace}/{PLURALS[obj['kind']]}" if namespace else f"{prefix}/{PLURALS[obj['kind']]}"


def apply(gateway: ClusterGateway, obj: dict) -> int:
    """Server-side apply (what `kubectl apply --server-side` sends): the status code."""
    client = gateway.api_client
    url = f"{collection(obj)}/{obj['metadata']['name']}"
    method, url, headers, body, _ = client.param_serialize(
        "PATCH", url, query_params=[("fieldManager", "devcenter-deploy")],
        header_params={"Content-Type": "application/apply-patch+yaml", "Accept": "application/json"},
        body=json.dumps(obj), auth_settings=["BearerToken"])
    response = client.call_api(method, url, headers, body, _request_timeout=gateway.timeout)
    answer = response.read()
    assert response.status in (200, 201), f"{obj['kind']} {obj['metadata']['name']}: {answer[:500]!r}"
    return response.status


@pytest.fixture(scope="module")
def plane(genuine_cluster):
    return genuine_cluster[0]


@pytest.fixture(scope="module")
def deployed(plane):
    """The overlay on the cluster; yields the admin gateway. Removed afterwards."""
    objects = kustomize()
    with ClusterGateway(plane.connection("admin", **FAST_CLIENT)) as admin:
        for name in MANAGED:  # the platform admin's (README "Deploy")
            admin.ensure_namespace(name)
        ordered = sorted(objects, key=lambda o: o["kind"] != "Namespace")
        for obj in ordered:  # a real create, as `kubectl create -k` does
            status, body = raw(admin, "POST", collection(obj), body=obj)
            assert status == 201, f"{obj['kind']} {obj['metadata']['name']}: {body}"
        for obj in ordered:  # then server-side apply over it: no conflict, nothing to change
            assert apply(admin, obj) == 200
        # Nothing of devcenter itself runs here (no image): its pods would only take the node's room.
        for deployment in (o for o in objects if o["kind"] == "Deployment"):
            admin.scale_component("Deployment", "devcenter", deployment["metadata"]["name"],
                                  admin.read_object("Deployment", "devcenter", deployment["metadata"]["name"])
                                  ["metadata"]["uid"], 0)
        yield admin, objects
        for obj in objects:
            if "namespace" not in obj["metadata"] and obj["kind"] != "Namespace":
                raw(admin, "DELETE", f"{collection(obj)}/{obj['metadata']['name']}")
        for name in (*MANAGED, "devcenter"):
            raw(admin, "DELETE", f"/api/v1/namespaces/{name}")


@pytest.fixture(scope="module")
def as_devcenter(deployed, plane, tmp_path_factory):
    """A gateway for the "this cluster" row, with the deployed ServiceAccount's token and the
    cluster's CA where the kubelet would mount them."""
    admin, _ = deployed

    def token_secret():
        status, account = raw(admin, "GET", "/api/v1/namespaces/devcenter/serviceaccounts/devcenter")
        return status == 200 and (account.get("secrets") or [{}])[0].get("name")

    secret = eventually(token_secret, timeout=30, message="the service account's token")
    status, body = raw(admin, "GET", f"/api/v1/namespaces/devcenter/secrets/{secret}")
    mount = tmp_path_factory.mktemp("serviceaccount")
    (mount / "token").write_bytes(base64.b64decode(body["data"]["token"]))
    shutil.copy(plane.ca_path, mount / "ca.crt")
    host, port = plane.url.removeprefix("https://").rsplit(":", 1)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("KUBERNETES_SERVICE_HOST", host)
        env.setenv("KUBERNETES_SERVICE_PORT", port)
        env.setenv("DEVCENTER_SERVICE_ACCOUNT_DIR", str(mount))
        with ClusterGateway.for_cluster(Cluster(name="this-cluster", in_cluster=True)) as gateway:
            for name in MANAGED:
                wait_until_pods_are_admitted(admin, name)
            yield gateway


def test_every_gateway_operation_succeeds_with_the_deployed_service_account(as_devcenter, settings):
    gateway = as_devcenter
    settings.WORKSPACE_AUTH_URL = "http://devcenter-web.devcenter.svc.cluster.local:8000/auth/workspace/"
    assert gateway.server_version() == (1, 20)
    assert gateway.node_capacity().cpu_millicores > 0  # nodes, cluster-wide

    created = []
    for index, type_ in enumerate(sorted(LAUNCHABLE)):
        spec = launched_spec(type_, f"rbac{index}", project="vision", name=f"rbac-{index}", namespace="vision",
                             image="busybox:1.36", base_url="https://ws.example.com", model="org/model", workers=1,
                             command=["sh", "-c", "echo hello from rbac; sleep 2"],
                             pod_annotations={"kubesim.io/run-seconds": "2"}, cpu_millicores=10,
                             memory_bytes=16 * 2**20)
        created += gateway.create_objects(build_manifests(spec))
    assert {"Job", "Deployment", "Service", "NetworkPolicy", "Ingress"} <= {obj.kind for obj in created}

    selector = project_selector(["vision"])
    observed = gateway.list_components(selector)  # every kind, across all namespaces
    assert {obj.uid for obj in created if obj.kind in ("Job", "Deployment")} <= {c.uid for c in observed}
    for kind in KINDS:  # the watcher: a LIST, then a WATCH from its resourceVersion, per kind
        _, version = gateway.list_kind(kind, selector)
        assert version, kind.name
        for _ in gateway.watch_kind(kind, selector, version, timeout_seconds=1):
            pass
    gateway.list_warning_events(["vision"])  # the refresh's Events LIST, per namespace
    _, version = gateway.list_all_warning_events()  # the watcher's: a LIST, then a WATCH, cluster-wide
    assert version
    for _ in gateway.watch_warning_events(version, timeout_seconds=1):
        pass
    for obj in created:
        assert gateway.read_object(obj.kind, obj.namespace, obj.name)["metadata"]["uid"] == obj.uid

    deployment = next(obj for obj in created if obj.kind == "Deployment")
    assert gateway.scale_component("Deployment", "vision", deployment.name, deployment.uid, 0).replicas == 0  # patch
    gateway.scale_component("Deployment", "vision", deployment.name, deployment.uid, 1)

    def a_pod_with_a_log():
        pods = [p for p in gateway.list_pods(selector, namespace="vision") if p.phase in ("Running", "Succeeded")]
        return pods and pods[0]

    pod = eventually(a_pod_with_a_log, timeout=60, message="a started pod")
    gateway.read_logs("vision", pod.name, container=pod.containers[0], tail_lines=10)  # pods/log: no 403

    for obj in reversed(created):
        assert gateway.delete_component(obj.kind, obj.namespace, obj.name, obj.uid).result in (
            DeleteResult.DELETED, DeleteResult.ALREADY_GONE)


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/v1/namespaces/vision/secrets"),
    ("GET", "/api/v1/secrets"),
    ("GET", "/api/v1/namespaces/devcenter/secrets/devcenter-secrets"),
    ("DELETE", "/api/v1/namespaces/vision"),
    ("POST", "/api/v1/namespaces"),
    ("DELETE", "/api/v1/nodes/any"),
    ("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/vision/rolebindings"),
])
def test_what_devcenter_does_not_need_is_refused(as_devcenter, method, path):
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}} if method == "POST" else None
    status, answer = raw(as_devcenter, method, path, body=body)
    assert status == 403, answer
    assert "forbidden" in json.dumps(answer)


def test_writing_outside_the_managed_namespaces_is_refused(as_devcenter, deployed):
    admin, _ = deployed
    admin.ensure_namespace("not-managed")
    try:
        spec = launched_spec("training", "out1", project="vision", name="outside", namespace="not-managed",
                             image="busybox:1.36")
        with pytest.raises(CreateFailed) as refused:
            as_devcenter.create_objects(build_manifests(spec))
        assert refused.value.status_code == 403
        assert raw(as_devcenter, "GET", "/apis/batch/v1/namespaces/not-managed/jobs/anything")[0] == 403
    finally:
        raw(admin, "DELETE", "/api/v1/namespaces/not-managed")


def test_the_overlay_left_nothing_unapplied(deployed):
    admin, objects = deployed
    for obj in objects:
        status, _ = raw(admin, "GET", f"{collection(obj)}/{obj['metadata']['name']}")
        assert status == 200, (obj["kind"], obj["metadata"]["name"])
