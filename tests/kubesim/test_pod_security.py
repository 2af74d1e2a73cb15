"""kubesim's Pod Security admission, as the API server's PodSecurity plugin does it.

A namespace label `pod-security.kubernetes.io/enforce` refuses violating pods (those a
controller makes too); `.../warn` adds a `Warning` header for pods and workload templates;
bad levels are refused on the namespace. The product's launched pods pass `restricted`.
"""

import http.client
import json
from urllib.parse import urlsplit

import kubernetes
import pytest
from kubesim.errors import ApiError

from tests.conftest import launched_spec
from tests.kubesim.conftest import deployment_body, job_body, pod_body
from workloads.cluster import build_manifests
from workloads.types import LAUNCHABLE

ENFORCE = "pod-security.kubernetes.io/enforce"
WARN = "pod-security.kubernetes.io/warn"
RESTRICTED_POD_SPEC = {
    "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
    "containers": [{
        "name": "main", "image": "busybox:1.36",
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
    }],
}
# The message the real server gives for a pod that sets no securityContext at all.
BARE_POD_RESTRICTED = (
    'allowPrivilegeEscalation != false (container "main" must set securityContext.allowPrivilegeEscalation=false), '
    'unrestricted capabilities (container "main" must set securityContext.capabilities.drop=["ALL"]), '
    'runAsNonRoot != true (pod or container "main" must set securityContext.runAsNonRoot=true), '
    'seccompProfile (pod or container "main" must set securityContext.seccompProfile.type to "RuntimeDefault" '
    'or "Localhost")'
)


def namespace(core, name, **labels):
    core.create_namespace({"metadata": {"name": name, "labels": labels}})
    return name


def refusal(call) -> tuple[int, dict]:
    with pytest.raises(kubernetes.client.ApiException) as error:
        call()
    return error.value.status, json.loads(error.value.body)


def post(handle, path, body) -> tuple[int, list[str], dict]:
    """A create over plain HTTP: (status, Warning headers, body); the typed client drops warnings."""
    url = urlsplit(handle.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    connection.request("POST", path, body=json.dumps(body), headers={
        "Authorization": f"Bearer {handle.token}", "Content-Type": "application/json"})
    response = connection.getresponse()
    payload = json.loads(response.read())
    connection.close()
    return response.status, response.headers.get_all("Warning") or [], payload


def test_a_violating_pod_is_refused_with_the_real_servers_message(core):
    namespace(core, "locked", **{ENFORCE: "restricted"})
    status, body = refusal(lambda: core.create_namespaced_pod("locked", pod_body("bare")))
    assert status == 403
    assert body["reason"] == "Forbidden"
    assert body["message"] == f'pods "bare" is forbidden: violates PodSecurity "restricted:latest": {BARE_POD_RESTRICTED}'
    assert core.list_namespaced_pod("locked").items == []


def test_a_pod_that_meets_the_level_is_admitted(core, sim):
    namespace(core, "locked", **{ENFORCE: "restricted"})
    core.create_namespaced_pod("locked", {"metadata": {"name": "good"}, "spec": RESTRICTED_POD_SPEC})
    sim.advance(2)
    assert core.read_namespaced_pod("good", "locked").status.phase == "Running"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"hostNetwork": True, "hostPID": True}, "host namespaces (hostNetwork=true, hostPID=true)"),
        ({"containers": [{"name": "main", "image": "x", "securityContext": {"privileged": True}}]},
         'privileged (container "main" must not set securityContext.privileged=true)'),
        ({"volumes": [{"name": "root", "hostPath": {"path": "/"}}]}, 'hostPath volumes (volume "root")'),
        ({"containers": [{"name": "main", "image": "x", "securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}]},
         'non-default capabilities (container "main" must not include "SYS_ADMIN" in securityContext.capabilities.add)'),
        ({"containers": [{"name": "main", "image": "x", "ports": [{"containerPort": 80, "hostPort": 80}]}]},
         'hostPort (container "main" uses hostPort 80)'),
    ],
    ids=["host-namespaces", "privileged", "host-path", "capabilities", "host-port"],
)
def test_baseline_refuses_what_breaks_out_and_allows_root(core, spec, message):
    namespace(core, "base", **{ENFORCE: "baseline"})
    core.create_namespaced_pod("base", pod_body("root"))  # runs as root, no seccomp: baseline allows it
    status, body = refusal(lambda: core.create_namespaced_pod("base", pod_body("bad", **spec)))
    assert status == 403
    assert body["message"] == f'pods "bad" is forbidden: violates PodSecurity "baseline:latest": {message}'


def test_restricted_names_every_container_and_what_the_pod_sets_wrong(core):
    namespace(core, "locked", **{ENFORCE: "restricted", f"{ENFORCE}-version": "v1.30"})
    spec = {
        "securityContext": {"runAsNonRoot": False, "runAsUser": 0, "seccompProfile": {"type": "Unconfined"}},
        "initContainers": [{"name": "init", "image": "x", "securityContext": {
            "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"], "add": ["NET_ADMIN"]}}}],
        "containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "x"}],
        "volumes": [{"name": "data", "nfs": {"server": "nfs", "path": "/"}}, {"name": "tmp", "emptyDir": {}}],
    }
    _, body = refusal(lambda: core.create_namespaced_pod("locked", pod_body("bad", **spec)))
    assert body["message"] == (
        'pods "bad" is forbidden: violates PodSecurity "restricted:v1.30": '
        'allowPrivilegeEscalation != false (containers "a", "b" must set securityContext.allowPrivilegeEscalation=false), '
        'unrestricted capabilities (containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; '
        'container "init" must not include "NET_ADMIN" in securityContext.capabilities.add), '
        'restricted volume types (volumes ["data"] have restricted types), '
        'runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false), '
        'runAsUser=0 (pod must not set runAsUser=0), '
        'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")'
    )


def test_older_policy_versions_check_what_they_checked_then(core):
    namespace(core, "old", **{ENFORCE: "restricted", f"{ENFORCE}-version": "v1.21"})
    _, body = refusal(lambda: core.create_namespaced_pod("old", pod_body("bare")))
    assert '"restricted:v1.21"' in body["message"]
    assert "unrestricted capabilities" not in body["message"]  # a 1.22 check


@pytest.mark.parametrize("labels", [{}, {ENFORCE: "privileged"}, {WARN: "restricted"}])
def test_without_an_enforce_level_every_pod_is_admitted(core, labels):
    namespace(core, "open", **labels)
    core.create_namespaced_pod("open", pod_body("anything", hostNetwork=True))


def test_a_controllers_pods_are_refused_and_the_controller_says_why(core, batch, apps, sim):
    namespace(core, "locked", **{ENFORCE: "restricted"})
    apps.create_namespaced_deployment("locked", deployment_body("web", replicas=2))  # accepted: a template
    batch.create_namespaced_job("locked", job_body("train"))
    sts = deployment_body("db", replicas=1)
    sts["spec"]["serviceName"] = "db"
    apps.create_namespaced_stateful_set("locked", sts)
    sim.advance(5)
    assert core.list_namespaced_pod("locked").items == []
    deployment = apps.read_namespaced_deployment("web", "locked")
    failure = next(c for c in deployment.status.conditions if c.type == "ReplicaFailure")
    assert (failure.status, failure.reason) == ("True", "FailedCreate")
    assert failure.message.startswith('pods "web-')
    assert 'is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false' in failure.message
    assert not batch.read_namespaced_job("train", "locked").status.active


def test_the_warn_level_adds_a_warning_to_pods_and_templates(kubesim, core):
    namespace(core, "watched", **{WARN: "restricted"})
    namespace(core, "locked", **{ENFORCE: "restricted"})
    status, warnings, _ = post(kubesim, "/apis/apps/v1/namespaces/watched/deployments", deployment_body("web"))
    assert status == 201
    expected = BARE_POD_RESTRICTED.replace('"main"', '"server"')
    assert warnings == ["299 - " + json.dumps(f'would violate PodSecurity "restricted:latest": {expected}')]
    status, warnings, _ = post(kubesim, "/api/v1/namespaces/watched/pods", pod_body("bare"))
    assert status == 201 and len(warnings) == 1
    compliant = {"metadata": {"name": "good"}, "spec": RESTRICTED_POD_SPEC}
    assert post(kubesim, "/api/v1/namespaces/watched/pods", compliant)[1] == []
    # The enforce level alone warns nobody about a template, as the real server (its pods are refused).
    status, warnings, _ = post(kubesim, "/apis/apps/v1/namespaces/locked/deployments", deployment_body("web"))
    assert (status, warnings) == (201, [])


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({ENFORCE: "strict"}, 'metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": '
                              "must be one of privileged, baseline, restricted"),
        ({f"{WARN}-version": "v2.0"}, 'metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: '
                                      '"v2.0": must be "latest" or "v1.x"'),
    ],
)
def test_a_namespace_with_an_unknown_level_is_refused(core, labels, message):
    status, body = refusal(lambda: core.create_namespace({"metadata": {"name": "typo", "labels": labels}}))
    assert status == 422
    assert body["message"] == f'Namespace "typo" is invalid: {message}'
    namespace(core, "later")
    status, _ = refusal(lambda: core.patch_namespace("later", {"metadata": {"labels": labels}}))
    assert status == 422


def test_launched_pods_of_every_type_pass_restricted(sim):
    sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "vision", "labels": {ENFORCE: "restricted"}}})
    for index, type_ in enumerate(sorted(LAUNCHABLE)):
        spec = launched_spec(type_, f"w{index}", name=f"wl-{index}", image="app:1", model="org/model", workers=2)
        for manifest in build_manifests(spec):
            sim.create(manifest)
    sim.advance(5)
    pods = sim.list("Pod", "vision")
    assert {pod["metadata"]["labels"]["devcenter.io/workload-type"] for pod in pods} == {t.value for t in LAUNCHABLE}
    assert all(pod["status"]["phase"] in ("Running", "Succeeded") for pod in pods)
    for deployment in sim.list("Deployment", "vision"):
        assert "ReplicaFailure" not in {c["type"] for c in deployment["status"].get("conditions", [])}
    with pytest.raises(ApiError):  # and the namespace really is locked
        sim.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bare", "namespace": "vision"},
                    "spec": {"containers": [{"name": "main", "image": "busybox"}]}})


def test_network_policies_and_ingresses_are_served(api_client, core, sim):
    networking = kubernetes.client.NetworkingV1Api(api_client)
    policy = {"metadata": {"name": "only-ingress", "labels": {"app": "ws"}}, "spec": {
        "podSelector": {"matchLabels": {"app": "ws"}}, "policyTypes": ["Ingress"],
        "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "edge"}}}]}]}}
    ingress = {"metadata": {"name": "ws", "labels": {"app": "ws"}, "annotations": {
        "nginx.ingress.kubernetes.io/auth-url": "http://devcenter/auth/workspace/"}}, "spec": {"rules": [{
            "host": "ws.example.com", "http": {"paths": [{"path": "/vision/ws/", "pathType": "Prefix", "backend": {
                "service": {"name": "ws", "port": {"name": "http"}}}}]}}]}}
    networking.create_namespaced_network_policy("default", policy)
    networking.create_namespaced_ingress("default", ingress)
    assert [p.metadata.name for p in networking.list_network_policy_for_all_namespaces(label_selector="app=ws").items] == [
        "only-ingress"]
    (found,) = networking.list_ingress_for_all_namespaces(label_selector="app=ws").items
    assert found.spec.rules[0].http.paths[0].backend.service.port.name == "http"
    assert found.metadata.annotations["nginx.ingress.kubernetes.io/auth-url"] == "http://devcenter/auth/workspace/"
    networking.delete_namespaced_ingress("ws", "default")
    assert networking.list_namespaced_ingress("default").items == []
    served = {r.name for r in networking.get_api_resources().resources}  # discovery
    assert {"networkpolicies", "ingresses", "ingresses/status"} <= served
