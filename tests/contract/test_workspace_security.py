"""What workspace security relies on from the Kubernetes API, on both tiers.

A workspace's NetworkPolicy and Ingress are accepted as written and listed as helpers; launched
pods of every type pass the `restricted` Pod Security level where the server enforces one
(PodSecurity admission: beta and on by default since 1.23, so not on the genuine 1.20 tier).
"""

import json
import re

import pytest
from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from tests.conftest import launched_spec
from workloads.cluster import CreateFailed, WorkloadSpec, build_manifests
from workloads.cluster.labels import workload_selector
from workloads.cluster.manifests import SERVICE, BrowserAccess
from workloads.status import ComponentState
from workloads.types import LAUNCHABLE, Shape

from .conftest import eventually

ACCESS = BrowserAccess(auth_url="http://devcenter.devcenter.svc/auth/workspace/",
                       signin_url="https://devcenter.example.com/accounts/login/")


def skip_without_pod_security(gateway):
    minor = int(re.match(r"\d+", k8s.VersionApi(gateway.api_client).get_code().minor).group())
    if minor < 23:
        pytest.skip(f"kube-apiserver v1.{minor} has no Pod Security admission (beta and on by default since v1.23)")


def test_a_workspaces_network_policy_and_ingress_are_accepted_and_listed_as_helpers(gateway, namespace):
    spec = WorkloadSpec(
        workload_id="ws", project="contract", name="notebook", namespace=namespace, type="workspace",
        shape=SERVICE, image="busybox:1.36", command=["sh", "-c", "exec httpd -f -p 8888"], port=8888,
        cpu_millicores=10, memory_bytes=16 * 2**20, path="/contract/notebook/", base_url="https://ws.example.com",
        access=ACCESS,
    )
    gateway.create_objects(build_manifests(spec))

    def settled():
        states = {c.kind: c.state for c in gateway.list_components(workload_selector("ws"))}
        return states.get("Deployment") == ComponentState.RUNNING and states

    states = eventually(settled, message="the workspace's Deployment to be ready")
    assert states == {
        "NetworkPolicy": ComponentState.COMPLETED, "Deployment": ComponentState.RUNNING,
        "Service": ComponentState.COMPLETED, "Ingress": ComponentState.COMPLETED,
    }
    networking = k8s.NetworkingV1Api(gateway.api_client)
    (policy,) = networking.list_namespaced_network_policy(namespace).items
    assert policy.spec.ingress[0]._from[0].namespace_selector.match_labels == {
        "kubernetes.io/metadata.name": "ingress-nginx"}
    (ingress,) = networking.list_namespaced_ingress(namespace).items
    assert ingress.metadata.annotations["nginx.ingress.kubernetes.io/auth-url"] == ACCESS.auth_url
    assert ingress.spec.rules[0].http.paths[0].path == "/contract/notebook/"


def test_launched_pods_of_every_type_pass_the_restricted_level(gateway, namespace):
    skip_without_pod_security(gateway)
    core = k8s.CoreV1Api(gateway.api_client)
    core.patch_namespace(namespace, {"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "restricted"}}})
    ids = []
    for index, type_ in enumerate(sorted(LAUNCHABLE)):
        record = LAUNCHABLE[type_]
        port = record.port or (record.flavours[0].port if record.flavours else None)
        command = (["sh", "-c", f"exec httpd -f -p {port}"] if record.shape == Shape.SERVICE
                   else ["sh", "-c", "echo hello; sleep 2"])
        spec = launched_spec(
            type_, f"psa{index}", project="contract", name=f"psa-{index}", namespace=namespace,
            image="busybox:1.36", command=command, cpu_millicores=10, memory_bytes=16 * 2**20, model="org/model",
            workers=2, pod_annotations={"kubesim.io/run-seconds": "2"} if record.shape == Shape.BATCH else {},
        )
        gateway.create_objects(build_manifests(spec))
        ids.append(spec.workload_id)

    def every_workload_has_started_pods():
        started = {p.labels.get("devcenter.io/workload-id") for p in gateway.list_pods("devcenter.io/project=contract")
                   if p.phase in ("Running", "Succeeded")}
        return set(ids) <= started

    eventually(every_workload_has_started_pods, message="a running pod for every launched type")
    failed = [c for c in gateway.list_components("devcenter.io/project=contract") if c.state == ComponentState.FAILED]
    assert failed == []

    bare = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bare", "namespace": namespace},
            "spec": {"containers": [{"name": "main", "image": "busybox:1.36"}]}}
    with pytest.raises(ApiException) as refused:
        core.create_namespaced_pod(namespace, bare)
    assert refused.value.status == 403
    message = json.loads(refused.value.body)["message"]
    assert message.startswith('pods "bare" is forbidden: violates PodSecurity "restricted:latest": ')
    assert "allowPrivilegeEscalation != false" in message


def test_a_violating_pod_is_refused_through_the_gateway_with_the_servers_message(gateway, namespace):
    skip_without_pod_security(gateway)
    k8s.CoreV1Api(gateway.api_client).patch_namespace(
        namespace, {"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "baseline"}}})
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "on-the-host", "namespace": namespace,
                                                           "labels": {"devcenter.io/workload-id": "host"}},
           "spec": {"hostNetwork": True, "containers": [{"name": "main", "image": "busybox:1.36"}]}}
    with pytest.raises(CreateFailed) as refused:
        gateway.create_objects([pod])
    assert refused.value.status_code == 403
    assert refused.value.message == (
        'pods "on-the-host" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)')
