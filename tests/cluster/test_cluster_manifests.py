"""WorkloadSpec -> manifests: every object and pod template carries the label contract.

In Kubernetes terms only (shape, port, pods, path); what each workload type makes of them is
tested with the type registry in tests/test_workload_types.py.
"""

import pytest

from workloads.cluster import labels
from workloads.cluster.manifests import (
    BATCH,
    SERVICE,
    SHAPES,
    BrowserAccess,
    WorkloadSpec,
    build_manifests,
    object_name,
    workspace_url,
)


def spec(shape=BATCH, **overrides):
    values = {
        "workload_id": "3f2a9c1e-0000-4000-8000-000000000001",
        "project": "vision",
        "name": "resnet-run",
        "type": "training" if shape == BATCH else "inference",
        "shape": shape,
        "namespace": "vision",
        "image": "registry.example/train:1.0",
        "command": ["python", "train.py"],
        "gpu": 2,
        "cpu_millicores": 4000,
        "memory_bytes": 16 * 2**30,
        "submitter": "alice@example.com",
        "port": 8000 if shape == SERVICE else None,
        "base_url": "https://devcenter.example/ws",
    }
    values.update(overrides)
    return WorkloadSpec(**values)


def pod_templates(manifest):
    template = (manifest.get("spec") or {}).get("template")
    return [template] if template else []


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_object_and_template_carries_the_labels(shape):
    s = spec(shape)
    for manifest in build_manifests(s):
        for metadata in [manifest["metadata"], *(t["metadata"] for t in pod_templates(manifest))]:
            assert metadata["labels"][labels.WORKLOAD_ID] == s.workload_id
            assert metadata["labels"][labels.PROJECT] == "vision"
            assert metadata["labels"][labels.MANAGED_BY] == "devcenter"
            assert labels.is_label_value(metadata["labels"][labels.WORKLOAD_TYPE])
            assert metadata["labels"][labels.WORKLOAD_TYPE] == s.type
            assert metadata["annotations"][labels.SUBMITTER] == "alice@example.com"
        assert manifest["metadata"]["namespace"] == "vision"


def test_a_batch_spec_is_one_job_that_never_restarts_in_place():
    (job,) = build_manifests(spec(BATCH))
    assert (job["apiVersion"], job["kind"]) == ("batch/v1", "Job")
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert job["spec"]["backoffLimit"] == 0
    assert job["spec"]["parallelism"] == job["spec"]["completions"] == 1
    assert "completionMode" not in job["spec"]


def test_the_pods_of_a_batch_spec_run_in_parallel():
    (job,) = build_manifests(spec(pods=4))
    assert job["spec"]["parallelism"] == job["spec"]["completions"] == 4
    assert job["spec"]["completionMode"] == "Indexed"


def test_ttl_is_optional():
    (job,) = build_manifests(spec())
    assert "ttlSecondsAfterFinished" not in job["spec"]
    (job,) = build_manifests(spec(ttl_seconds_after_finished=3600))
    assert job["spec"]["ttlSecondsAfterFinished"] == 3600


def test_gpu_requests_equal_limits():
    (job,) = build_manifests(spec(gpu=2))
    resources = job["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert resources["requests"]["nvidia.com/gpu"] == resources["limits"]["nvidia.com/gpu"] == "2"
    assert resources["requests"]["cpu"] == "4"
    assert resources["requests"]["memory"] == "16Gi"
    (job,) = build_manifests(spec(gpu=0))
    assert "nvidia.com/gpu" not in job["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]


def test_a_service_spec_is_a_deployment_and_a_service_on_its_port():
    deployment, service = build_manifests(spec(SERVICE, port=9000, env={"MODEL_NAME": "meta-llama/Llama-3-8B"}))
    assert deployment["kind"] == "Deployment" and service["kind"] == "Service"
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["ports"][0]["containerPort"] == 9000
    assert service["spec"]["ports"][0]["port"] == 9000
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    assert {"name": "MODEL_NAME", "value": "meta-llama/Llama-3-8B"} in container["env"]


def test_a_spec_served_under_a_path_is_one_ready_probed_replica_with_a_url():
    s = spec(SERVICE, port=8888, gpu=0, name="my-notebook", path="/vision/my-notebook/", command=["lab"])
    network_policy, deployment, service = build_manifests(s)  # no auth URL: no Ingress
    assert network_policy["kind"] == "NetworkPolicy"
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["tcpSocket"]["port"] == 8888
    assert {"name": "BASE_PATH", "value": "/vision/my-notebook/"} in container["env"]
    assert service["spec"]["ports"][0]["port"] == 8888
    assert workspace_url(s) == "https://devcenter.example/ws/vision/my-notebook/"


def test_a_service_without_gpu_or_path_rolls_and_has_no_url():
    s = spec(SERVICE, gpu=0)
    deployment, _ = build_manifests(s)
    assert "strategy" not in deployment["spec"]
    assert workspace_url(s) == ""


def test_names_get_a_short_id_suffix_and_stay_dns_labels():
    a = object_name(spec(workload_id="aaaaaaaa-1"))
    b = object_name(spec(workload_id="bbbbbbbb-1"))
    assert a == "resnet-run-aaaaaaaa" and a != b
    long = object_name(spec(name="x" * 63))
    assert len(long) <= 63
    assert object_name(spec(name="7b-eval", workload_id="42")).startswith("w7b-eval")


@pytest.mark.parametrize(
    "bad",
    [
        {"name": "Bad_Name"},
        {"name": ""},
        {"shape": "cron"},
        {"type": "Model Download"},
        {"type": ""},
        {"shape": SERVICE, "port": None},
        {"port": 70000},
        {"pods": 0},
    ],
)
def test_invalid_specs_are_refused(bad):
    with pytest.raises(ValueError):
        spec(**bad)


WORKSPACE = {"port": 8888, "gpu": 0, "name": "my-notebook", "path": "/vision/my-notebook/", "command": ["lab"]}
ACCESS = BrowserAccess(
    controller_namespace="edge",
    controller_pod_labels={"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"},
    auth_url="http://devcenter.devcenter.svc:8000/auth/workspace/",
    signin_url="https://devcenter.example/accounts/login/",
    ingress_class="nginx",
)


def by_kind(manifests):
    return {m["kind"]: m for m in manifests}


@pytest.mark.parametrize("overrides", [{"shape": BATCH}, {"shape": SERVICE}, {"shape": SERVICE, **WORKSPACE}],
                         ids=["batch", "service", "workspace"])
def test_every_pod_runs_restricted_without_a_service_account_token(overrides):
    for manifest in build_manifests(spec(**overrides)):
        for template in pod_templates(manifest):
            pod_spec = template["spec"]
            assert pod_spec["automountServiceAccountToken"] is False
            assert pod_spec["securityContext"] == {
                "runAsNonRoot": True, "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"},
            }
            for container in pod_spec["containers"]:
                assert container["securityContext"] == {
                    "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                }
                assert not {"hostNetwork", "hostPID", "hostIPC", "volumes"} & set(pod_spec)


def test_a_workspaces_pods_admit_only_the_ingress_controllers_pods_on_the_servers_port():
    s = spec(SERVICE, access=ACCESS, **WORKSPACE)
    manifests = build_manifests(s)
    assert [m["kind"] for m in manifests] == ["NetworkPolicy", "Deployment", "Service", "Ingress"]
    policy, deployment = manifests[0], manifests[1]
    assert policy["apiVersion"] == "networking.k8s.io/v1"
    assert policy["spec"]["podSelector"] == deployment["spec"]["selector"]
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    (rule,) = policy["spec"]["ingress"]
    # One peer holding both selectors: pods with these labels in that namespace (not "or").
    assert rule["from"] == [{
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "edge"}},
        "podSelector": {"matchLabels": ACCESS.controller_pod_labels},
    }]
    assert rule["ports"] == [{"protocol": "TCP", "port": 8888}]


def test_without_controller_pod_labels_any_pod_of_the_controllers_namespace_is_admitted():
    s = spec(SERVICE, access=BrowserAccess(controller_namespace="edge", controller_pod_labels={}), **WORKSPACE)
    (rule,) = build_manifests(s)[0]["spec"]["ingress"]
    assert rule["from"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "edge"}}}]


def test_the_ingress_routes_the_workspace_url_through_devcenters_forward_auth():
    s = spec(SERVICE, access=ACCESS, **WORKSPACE)
    ingress = by_kind(build_manifests(s))["Ingress"]
    service = by_kind(build_manifests(s))["Service"]
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/auth-url"] == ACCESS.auth_url
    assert annotations["nginx.ingress.kubernetes.io/auth-signin"] == ACCESS.signin_url
    assert annotations["nginx.ingress.kubernetes.io/auth-signin-redirect-param"] == "next"
    assert annotations["nginx.ingress.kubernetes.io/auth-response-headers"] == "Authorization,Cookie,X-Auth-Request-User"
    assert annotations[labels.SUBMITTER] == "alice@example.com"
    assert ingress["spec"]["ingressClassName"] == "nginx"
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == "devcenter.example"
    (path,) = rule["http"]["paths"]
    assert (path["path"], path["pathType"]) == ("/ws/vision/my-notebook/", "Prefix")  # the workspace URL's path
    assert path["backend"] == {"service": {"name": service["metadata"]["name"], "port": {"name": "http"}}}
    assert ingress["spec"]["tls"] == [{"hosts": ["devcenter.example"]}]


def test_an_address_as_base_url_routes_any_host_and_no_auth_url_means_no_route():
    s = spec(SERVICE, access=ACCESS, base_url="http://127.0.0.1:8080", **WORKSPACE)
    ingress = by_kind(build_manifests(s))["Ingress"]
    assert "host" not in ingress["spec"]["rules"][0] and "tls" not in ingress["spec"]
    unguarded = spec(SERVICE, access=BrowserAccess(), **WORKSPACE)
    assert "Ingress" not in by_kind(build_manifests(unguarded))
    assert "NetworkPolicy" not in by_kind(build_manifests(spec(SERVICE, access=ACCESS)))  # no path: no URL
