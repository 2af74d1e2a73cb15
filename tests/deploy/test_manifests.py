"""The example overlay builds, and what it deploys holds the house rules: the four processes,
restricted containers, probes, resource requests, settings from the ConfigMap and Secret, and
the workspace forward-auth wired to the web Service."""

import pytest

from workloads import task_names

from .conftest import of_kind

PROCESSES = {"devcenter-web", "devcenter-worker", "devcenter-beat", "devcenter-watcher"}


def containers(deployment, init=True):
    spec = deployment["spec"]["template"]["spec"]
    return spec["containers"] + (spec.get("initContainers", []) if init else [])


def test_the_overlay_builds_the_four_processes_and_their_services(built):
    assert {d["metadata"]["name"] for d in of_kind(built, "Deployment")} == PROCESSES
    assert {s["metadata"]["name"] for s in of_kind(built, "Service")} == {"devcenter-web", "devcenter-worker-metrics"}
    assert {o["metadata"]["namespace"] for o in built if "namespace" in o["metadata"]
            and o["kind"] not in ("Role", "RoleBinding")} == {"devcenter"}
    assert {(r["metadata"]["namespace"]) for r in of_kind(built, "Role")} == {"vision", "nlp"}


@pytest.mark.parametrize("name", sorted(PROCESSES))
def test_every_container_runs_restricted_with_requests(built, name):
    (deployment,) = [d for d in of_kind(built, "Deployment") if d["metadata"]["name"] == name]
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["serviceAccountName"] == "devcenter"
    for container in containers(deployment):
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False
        assert context["readOnlyRootFilesystem"] is True
        assert context["capabilities"] == {"drop": ["ALL"]}
        assert {"cpu", "memory"} <= set(container["resources"]["requests"])
        assert container["image"] == "registry.example.com/platform/devcenter:0.1.0"
        assert {"configMapRef": {"name": "devcenter-config"}} in container["envFrom"]
        assert {"secretRef": {"name": "devcenter-secrets"}} in container["envFrom"]
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]  # the only writable place


def test_probes(built):
    deployments = {d["metadata"]["name"]: d for d in of_kind(built, "Deployment")}
    (web,) = containers(deployments["devcenter-web"])
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    (worker,) = containers(deployments["devcenter-worker"])
    assert worker["args"][worker["args"].index("-Q") + 1] == ",".join(task_names.QUEUES)  # every queue consumed
    assert worker["livenessProbe"]["exec"]["command"][:4] == ["python", "manage.py", "probe", "worker"]
    (watcher,) = containers(deployments["devcenter-watcher"])
    assert watcher["livenessProbe"]["exec"]["command"][:4] == ["python", "manage.py", "probe", "watcher"]
    # Exactly one scheduler and one watcher, never two during a rollout; the scheduler migrates.
    for singleton in ("devcenter-beat", "devcenter-watcher"):
        assert deployments[singleton]["spec"]["replicas"] == 1
        assert deployments[singleton]["spec"]["strategy"] == {"type": "Recreate"}
    (migrate,) = deployments["devcenter-beat"]["spec"]["template"]["spec"]["initContainers"]
    assert migrate["args"][:3] == ["python", "manage.py", "migrate"]


def test_only_the_processes_that_call_the_cluster_get_a_token(built):
    deployments = {d["metadata"]["name"]: d["spec"]["template"]["spec"] for d in of_kind(built, "Deployment")}
    assert {name for name, pod in deployments.items() if pod["automountServiceAccountToken"]} == {
        "devcenter-web", "devcenter-worker", "devcenter-watcher"}
    (account,) = of_kind(built, "ServiceAccount")
    assert account["automountServiceAccountToken"] is False


def test_the_workspace_forward_auth_points_at_the_web_service(built):
    (config,) = of_kind(built, "ConfigMap")
    data = config["data"]
    (service,) = [s for s in of_kind(built, "Service") if s["metadata"]["name"] == "devcenter-web"]
    in_cluster_host = f"{service['metadata']['name']}.{service['metadata']['namespace']}.svc.cluster.local"
    port = service["spec"]["ports"][0]["port"]
    assert data["WORKSPACE_AUTH_URL"] == f"http://{in_cluster_host}:{port}/auth/workspace/"
    assert in_cluster_host in data["ALLOWED_HOSTS"].split(",")  # the controller's Host header
    (ingress,) = of_kind(built, "Ingress")
    host = ingress["spec"]["rules"][0]["host"]
    assert data["WORKSPACE_SIGNIN_URL"] == f"https://{host}/accounts/login/"
    assert host in data["ALLOWED_HOSTS"].split(",")
    assert ingress["spec"]["ingressClassName"] == data["WORKSPACE_INGRESS_CLASS"] == "nginx"
    assert ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == "devcenter-web"
