"""Pod logs through the API server and the node's kubelet: a running pod, one not on a node yet,
one that finished, one waiting to start, and the previous run of a restarted container.
(A node whose kubelet does not answer: test_nodes.py.)"""

import json

import pytest
from kubernetes import client as k8s

from workloads.cluster import SERVICE, LogsUnavailable, build_manifests
from workloads.cluster.labels import workload_selector

from .conftest import eventually, pod_named, raw, spec


def only_pod(gateway, workload_id, phase=None):
    pods = [p for p in gateway.list_pods(workload_selector(workload_id)) if phase is None or p.phase == phase]
    return pods[0] if len(pods) == 1 else None


def test_a_running_pods_log_grows(gateway, namespace):
    workload_id = f"{namespace}-talks"
    gateway.create_objects(build_manifests(spec(namespace, workload_id, "talks",
                                                pod_annotations={"kubesim.io/run-seconds": "600",
                                                                 "kubesim.io/log-lines-per-second": "5"})))
    pod = eventually(lambda: only_pod(gateway, workload_id, "Running"), message="a running pod")
    first = eventually(lambda: gateway.read_logs(namespace, pod.name), message="log lines")
    assert first.splitlines()[0] == f"{pod.name}/main log line 1"
    eventually(lambda: len(gateway.read_logs(namespace, pod.name).splitlines()) > len(first.splitlines()),
               message="more lines")
    assert gateway.read_logs(namespace, pod.name, tail_lines=1).count("\n") == 1


def test_a_finished_pods_log_stays_readable(gateway, namespace):
    workload_id = f"{namespace}-done"
    gateway.create_objects(build_manifests(spec(namespace, workload_id, "done")))  # runs 2 s
    pod = eventually(lambda: only_pod(gateway, workload_id, "Succeeded"), message="the pod to finish")
    assert gateway.read_logs(namespace, pod.name).splitlines() == [f"{pod.name}/main log line {i}" for i in (1, 2)]


def test_a_pod_not_on_a_node_has_an_empty_log(gateway, namespace):
    workload_id = f"{namespace}-nowhere"
    gateway.create_objects(build_manifests(spec(namespace, workload_id, "nowhere", gpu=64)))
    pod = eventually(lambda: only_pod(gateway, workload_id), message="the pod")
    assert gateway.read_logs(namespace, pod.name) == ""  # empty, not an error
    status, body = raw(gateway, "GET", f"/api/v1/namespaces/{namespace}/pods/{pod.name}/log")
    assert status in (200, 204) and body == ""  # the real server answers 204 No Content


def test_a_container_waiting_to_start_has_no_log_yet(gateway, namespace):
    workload_id = f"{namespace}-slow"
    gateway.create_objects(build_manifests(spec(namespace, workload_id, "slow",
                                                pod_annotations={"kubesim.io/start-seconds": "3600"})))
    pod = eventually(lambda: (p := only_pod(gateway, workload_id)) and
                     (pod_named(gateway, namespace, p.name) or {}).get("spec", {}).get("nodeName") and p,
                     message="the pod on its node")
    with pytest.raises(LogsUnavailable) as error:
        gateway.read_logs(namespace, pod.name)
    assert error.value.status_code == 400
    assert str(error.value) == f'container "main" in pod "{pod.name}" is waiting to start: ContainerCreating'


def test_a_container_that_never_restarted_has_no_previous_run(gateway, namespace):
    workload_id = f"{namespace}-once"
    gateway.create_objects(build_manifests(spec(namespace, workload_id, "once",
                                                pod_annotations={"kubesim.io/run-seconds": "600"})))
    pod = eventually(lambda: only_pod(gateway, workload_id, "Running"), message="a running pod")
    with pytest.raises(k8s.ApiException) as error:
        k8s.CoreV1Api(gateway.api_client).read_namespaced_pod_log(pod.name, namespace, previous=True,
                                                                  _request_timeout=gateway.timeout)
    assert error.value.status == 400
    assert json.loads(error.value.body)["message"] == f'previous terminated container "main" in pod "{pod.name}" not found'


def test_the_previous_run_of_a_restarted_container(gateway, namespace):
    workload_id = f"{namespace}-restarts"
    # A service's container exits after 2 s and is restarted (restartPolicy Always) after a 10 s back-off.
    gateway.create_objects(build_manifests(spec(namespace, workload_id, "restarts", shape=SERVICE,
                                                pod_annotations={"kubesim.io/run-seconds": "2",
                                                                 "kubesim.io/log-lines-per-second": "2"})))
    pod = eventually(lambda: only_pod(gateway, workload_id), message="the pod")
    core = k8s.CoreV1Api(gateway.api_client)

    def restarted():
        current = pod_named(gateway, namespace, pod.name)
        statuses = (current.get("status") or {}).get("containerStatuses") or [{}]
        return statuses[0].get("restartCount", 0) >= 1 and (statuses[0].get("state") or {}).get("running")

    eventually(restarted, timeout=60, message="the container to be restarted")
    previous = core.read_namespaced_pod_log(pod.name, namespace, previous=True, _request_timeout=gateway.timeout)
    assert previous.splitlines() == [f"{pod.name}/main log line {i}" for i in range(1, 5)]
    status = pod_named(gateway, namespace, pod.name)["status"]["containerStatuses"][0]
    assert status["lastState"]["terminated"]["reason"] == "Completed"
