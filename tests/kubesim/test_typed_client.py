"""Everything kubesim returns deserialises with the v37 typed client (whose models validate
required fields), including discovery and the dynamic client."""

import kubernetes
from kubernetes.dynamic import DynamicClient

from tests.kubesim.conftest import deployment_body, job_body, pod_body


def test_every_kind_round_trips_through_typed_models(core, batch, apps, sim):
    core.create_namespaced_pod("default", pod_body("p", annotations={"kubesim.io/run-seconds": "3"}))
    core.create_namespaced_pod("default", pod_body("crash", annotations={"kubesim.io/crash-loop": "true"}))
    core.create_namespaced_pod("default", pod_body("pull", annotations={"kubesim.io/image-pull-failure": "true"}))
    core.create_namespaced_service("default", {"metadata": {"name": "svc"}, "spec": {
        "selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}})
    core.create_namespaced_config_map("default", {"metadata": {"name": "cm"}, "data": {"k": "v"}})
    core.create_namespaced_secret("default", {"metadata": {"name": "s"}, "stringData": {"k": "v"}})
    core.create_namespaced_persistent_volume_claim("default", {"metadata": {"name": "data"}, "spec": {
        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})
    batch.create_namespaced_job("default", job_body("j", {"kubesim.io/run-seconds": "2"}))
    batch.create_namespaced_job("default", job_body("f", {"kubesim.io/run-seconds": "1", "kubesim.io/exit-code": "2"},
                                                     backoffLimit=0))
    apps.create_namespaced_deployment("default", deployment_body("web"))
    sts = deployment_body("db")
    sts["spec"]["serviceName"] = "db"
    apps.create_namespaced_stateful_set("default", sts)
    for _ in range(3):
        sim.advance(4)
        # Every list and read goes through the typed models: a missing required field raises.
        pods = core.list_pod_for_all_namespaces().items
        for pod in pods:
            core.read_namespaced_pod(pod.metadata.name, "default")
            core.read_namespaced_pod_status(pod.metadata.name, "default")
        core.list_node()
        core.read_node("node-1")
        core.list_namespace()
        core.list_service_for_all_namespaces()
        core.list_config_map_for_all_namespaces()
        core.list_secret_for_all_namespaces()
        core.list_persistent_volume_claim_for_all_namespaces()
        batch.list_job_for_all_namespaces()
        apps.list_deployment_for_all_namespaces()
        apps.list_replica_set_for_all_namespaces()
        apps.list_stateful_set_for_all_namespaces()
    assert {p.status.phase for p in core.list_namespaced_pod("default").items} >= {"Succeeded", "Running", "Pending"}
    assert core.read_namespaced_service("svc", "default").spec.ports[0].port == 80
    assert core.read_namespaced_persistent_volume_claim("data", "default").status.phase == "Bound"


def test_discovery_and_version(api_client):
    version = kubernetes.client.VersionApi(api_client).get_code()
    assert version.major == "1"
    assert kubernetes.client.CoreApi(api_client).get_api_versions().versions == ["v1"]
    groups = kubernetes.client.ApisApi(api_client).get_api_versions().groups
    assert {g.name for g in groups} >= {"apps", "batch"}
    resources = kubernetes.client.BatchV1Api(api_client).get_api_resources().resources
    assert "jobs" in [r.name for r in resources]
    assert "pods/log" in [r.name for r in kubernetes.client.CoreV1Api(api_client).get_api_resources().resources]
    assert kubernetes.client.AppsV1Api(api_client).get_api_resources().group_version == "apps/v1"


def test_dynamic_client(api_client, sim):
    dynamic = DynamicClient(api_client)
    jobs = dynamic.resources.get(api_version="batch/v1", kind="Job")
    jobs.create(body=job_body("dyn"), namespace="default")
    listed = jobs.get(namespace="default")
    assert [item.metadata.name for item in listed.items] == ["dyn"]


def test_kubeconfig_loads_in_the_client(kubesim):
    client = kubernetes.config.new_client_from_config(config_file=kubesim.kubeconfig_path, context="kubesim")
    nodes = kubernetes.client.CoreV1Api(client).list_node()
    assert len(nodes.items) == 3
