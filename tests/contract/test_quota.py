"""ResourceQuota: a namespace's limits, enforced on create with the server's message (403), and
the usage the quota controller computes. A launch refused halfway leaves nothing behind."""

import pytest

from workloads.cluster import SERVICE, CreateFailed, build_manifests
from workloads.cluster.labels import workload_selector
from workloads.status import ComponentState

from .conftest import eventually, raw, spec


def quota(gateway, namespace, hard, name="limits"):
    status, body = raw(gateway, "POST", f"/api/v1/namespaces/{namespace}/resourcequotas",
                       {"metadata": {"name": name}, "spec": {"hard": hard}})
    assert status == 201, body

    def computed():
        _, current = raw(gateway, "GET", f"/api/v1/namespaces/{namespace}/resourcequotas/{name}")
        status_ = current.get("status") or {}
        return set(status_.get("used") or ()) == set(hard) and status_

    return eventually(computed, message="the quota's usage")


def test_a_launch_refused_halfway_leaves_nothing_behind(gateway, namespace):
    quota(gateway, namespace, {"services": "0"})
    workload_id = f"{namespace}-half"
    manifests = build_manifests(spec(namespace, workload_id, "half", shape=SERVICE))
    assert [m["kind"] for m in manifests] == ["Deployment", "Service"]  # the Deployment is created first
    with pytest.raises(CreateFailed) as error:
        gateway.create_objects(manifests)
    assert error.value.status_code == 403
    assert str(error.value).startswith(f'services "{manifests[1]["metadata"]["name"]}" is forbidden: exceeded quota: '
                                       "limits, requested: services=1, used: services=0, limited: services=0")
    eventually(lambda: not gateway.list_objects(workload_selector(workload_id)),
               message="the Deployment created before the refusal to be undone")


def test_compute_quotas_refuse_what_goes_over(gateway, namespace):
    status_ = quota(gateway, namespace, {"requests.cpu": "1", "requests.memory": "1Gi", "pods": "3",
                                         "requests.nvidia.com/gpu": "2"})
    assert status_["hard"]["requests.cpu"] == "1" and status_["used"]["requests.cpu"] == "0"

    def create(name, requests, limits=None):
        resources = {"requests": requests, **({"limits": limits} if limits else {})}
        return raw(gateway, "POST", f"/api/v1/namespaces/{namespace}/pods", {
            "metadata": {"name": name}, "spec": {"containers": [{"name": "main", "image": "busybox:1.36",
                                                                "resources": resources}]}})

    assert create("first", {"cpu": "600m", "memory": "100Mi"})[0] == 201
    status, answer = create("second", {"cpu": "600m", "memory": "100Mi"})
    assert (status, answer["reason"]) == (403, "Forbidden")
    assert answer["message"] == ('pods "second" is forbidden: exceeded quota: limits, requested: requests.cpu=600m, '
                                 "used: requests.cpu=600m, limited: requests.cpu=1")
    status, answer = create("greedy", {"cpu": "100m", "memory": "2Gi", "nvidia.com/gpu": "3"}, {"nvidia.com/gpu": "3"})
    assert status == 403 and "requested: requests.memory=2Gi,requests.nvidia.com/gpu=3" in answer["message"]
    status, answer = raw(gateway, "POST", f"/api/v1/namespaces/{namespace}/pods", {
        "metadata": {"name": "vague"}, "spec": {"containers": [{"name": "main", "image": "busybox:1.36"}]}})
    assert status == 403
    assert answer["message"] == 'pods "vague" is forbidden: failed quota: limits: must specify requests.cpu,requests.memory'

    def used():
        _, current = raw(gateway, "GET", f"/api/v1/namespaces/{namespace}/resourcequotas/limits")
        return current["status"]["used"] == {"pods": "1", "requests.cpu": "600m", "requests.memory": "100Mi",
                                             "requests.nvidia.com/gpu": "0"}

    eventually(used, message="the quota to count the first pod")


def test_object_counts_by_resource_name(gateway, namespace):
    quota(gateway, namespace, {"count/jobs.batch": "1"})
    first = build_manifests(spec(namespace, f"{namespace}-one", "one"))
    second = build_manifests(spec(namespace, f"{namespace}-two", "two"))
    gateway.create_objects(first)
    with pytest.raises(CreateFailed) as error:
        gateway.create_objects(second)
    assert "exceeded quota: limits, requested: count/jobs.batch=1, used: count/jobs.batch=1, " \
           "limited: count/jobs.batch=1" in str(error.value)


def test_a_job_whose_pods_the_quota_refuses_stays_pending(gateway, namespace):
    quota(gateway, namespace, {"requests.cpu": "5m"})
    workload_id = f"{namespace}-starved"
    gateway.create_objects(build_manifests(spec(namespace, workload_id, "starved")))  # 10m per pod
    component = eventually(lambda: gateway.list_components(workload_selector(workload_id)), message="the Job")[0]
    assert component.state == ComponentState.PENDING
    assert not gateway.list_pods(workload_selector(workload_id))


def test_a_deployment_whose_pods_the_quota_refuses_reports_the_failure(gateway, namespace):
    quota(gateway, namespace, {"pods": "0"})
    workload_id = f"{namespace}-refused"
    gateway.create_objects(build_manifests(spec(namespace, workload_id, "refused", shape=SERVICE)))

    def failed():
        states = {c.kind: c for c in gateway.list_components(workload_selector(workload_id))}
        deployment = states.get("Deployment")
        return deployment is not None and deployment.state == ComponentState.FAILED and deployment

    deployment = eventually(failed, message="the Deployment to report ReplicaFailure")
    assert "exceeded quota" in deployment.reason
