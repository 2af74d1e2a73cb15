"""Admission (service account, tolerations, QoS class, cluster IPs), managedFields and
ResourceQuota, on the manual clock."""

from kubesim.quantities import format_quantity, parse_quantity

from tests.kubesim.conftest import deployment_body, pod_body, raw


def test_newer_servers_mount_a_projected_token(core):
    pod = core.create_namespaced_pod("default", pod_body("p"))
    volume = next(v for v in pod.spec.volumes if v.name.startswith("kube-api-access-"))
    assert [s.service_account_token.path for s in volume.projected.sources if s.service_account_token] == ["token"]
    assert pod.spec.containers[0].volume_mounts[0].name == volume.name


def test_a_service_account_must_exist(kubesim, core):
    status, body = raw(kubesim, "POST", "/api/v1/namespaces/default/pods",
                       pod_body("p", serviceAccountName="robot"))
    assert status == 403
    assert body["message"] == ('pods "p" is forbidden: error looking up service account default/robot: '
                               'serviceaccount "robot" not found')


def test_an_account_can_turn_the_token_off(core):
    core.create_namespaced_service_account("default", {"metadata": {"name": "quiet"},
                                                       "automountServiceAccountToken": False})
    pod = core.create_namespaced_pod("default", pod_body("p", serviceAccountName="quiet"))
    assert not pod.spec.volumes and not pod.spec.containers[0].volume_mounts


def test_own_tolerations_replace_the_defaults(core):
    mine = {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
            "tolerationSeconds": 5}
    pod = core.create_namespaced_pod("default", pod_body("p", tolerations=[mine]))
    assert {(t.key, t.toleration_seconds) for t in pod.spec.tolerations} == {
        ("node.kubernetes.io/unreachable", 5), ("node.kubernetes.io/not-ready", 300)}


def test_cluster_ips_are_distinct_and_in_the_service_range(core):
    addresses = set()
    for index in range(20):
        service = core.create_namespaced_service("default", {"metadata": {"name": f"s{index}"},
                                                             "spec": {"ports": [{"port": 80}]}})
        addresses.add(service.spec.cluster_ip)
        assert service.spec.cluster_ip.startswith("10.") and service.spec.ip_families == ["IPv4"]
    assert len(addresses) == 20


def test_managed_fields_name_each_writer(apps, core, sim):
    apps.create_namespaced_deployment("default", deployment_body("web", replicas=1))
    sim.advance(2)
    pod = core.list_namespaced_pod("default").items[0]
    managers = {(f.manager, f.subresource) for f in pod.metadata.managed_fields}
    assert managers == {("kube-controller-manager", None), ("kube-scheduler", None), ("kubelet", "status")}
    deployment = apps.read_namespaced_deployment("web", "default")
    created = deployment.metadata.managed_fields[0]
    assert created.manager == "OpenAPI-Generator" and created.operation == "Update"
    assert "f:replicas" in created.fields_v1["f:spec"]
    assert "k:{\"name\":\"server\"}" in created.fields_v1["f:spec"]["f:template"]["f:spec"]["f:containers"]
    apps.patch_namespaced_deployment("web", "default", {"spec": {"replicas": 2}})
    entries = apps.read_namespaced_deployment("web", "default").metadata.managed_fields
    assert [e.manager for e in entries].count("OpenAPI-Generator") == 1  # one entry per manager, updated


def quota(core, hard, name="q"):
    core.create_namespaced_resource_quota("default", {"metadata": {"name": name}, "spec": {"hard": hard}})


def test_quota_status_follows_what_runs(core, sim):
    quota(core, {"pods": "5", "requests.cpu": "2", "requests.memory": "1Gi"})
    for index in range(2):
        core.create_namespaced_pod("default", pod_body(
            f"p{index}", restartPolicy="Never", annotations={"kubesim.io/run-seconds": "5"},
            containers=[{"name": "main", "image": "x", "resources": {"requests": {"cpu": "250m", "memory": "100Mi"}}}]))
    used = core.read_namespaced_resource_quota("q", "default").status.used
    assert used == {"pods": "2", "requests.cpu": "500m", "requests.memory": "200Mi"}
    sim.advance(10)  # finished pods use nothing
    assert core.read_namespaced_resource_quota("q", "default").status.used["pods"] == "0"


def test_a_replicaset_refused_by_a_quota_reports_it_and_recovers(apps, core, sim):
    quota(core, {"pods": "0"})
    apps.create_namespaced_deployment("default", deployment_body("web", replicas=1))
    rs = apps.list_namespaced_replica_set("default").items[0]
    failure = {c.type: c for c in rs.status.conditions}["ReplicaFailure"]
    assert failure.reason == "FailedCreate" and "exceeded quota: q, requested: pods=1" in failure.message
    core.patch_namespaced_resource_quota("q", "default", {"spec": {"hard": {"pods": "5"}}})
    sim.advance(11)  # the controller tries again
    assert len(core.list_namespaced_pod("default").items) == 1


def test_quantities_are_exact_and_printed_as_the_server_does():
    assert parse_quantity("1.5Gi") == 3 * 2**29 and parse_quantity("250m") * 4 == 1
    assert [format_quantity(parse_quantity(q), binary=True) for q in ("100Mi", "1536Mi", "1500")] == \
        ["100Mi", "1536Mi", "1500"]
    assert [format_quantity(parse_quantity(q)) for q in ("600m", "2", "1500m", "0")] == ["600m", "2", "1500m", "0"]
