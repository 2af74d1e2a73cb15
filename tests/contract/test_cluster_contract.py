"""What devcenter relies on from the Kubernetes API, through the gateway and the real client."""

import pytest
from kubernetes import client as k8s

from workloads.cluster import BATCH, SERVICE, CreateFailed, DeleteResult, WorkloadSpec, build_manifests
from workloads.cluster.labels import project_selector, workload_selector
from workloads.status import ComponentState

from .conftest import eventually


def spec(namespace, workload_id, name, shape=BATCH, **extra):
    # A batch pod stops after 2 s on kubesim (the annotation) and on a real server (the command).
    annotations = {"kubesim.io/run-seconds": "2"} if shape == BATCH else {}
    return WorkloadSpec(
        workload_id=str(workload_id), project="contract", name=name, namespace=namespace,
        type="training" if shape == BATCH else "inference", shape=shape, port=None if shape == BATCH else 8080,
        image="busybox:1.36", command=["sh", "-c", "echo hello; sleep 2" if shape == BATCH else
                                       "echo serving; exec httpd -f -p 8080"], cpu_millicores=10,
        memory_bytes=16 * 2**20, submitter="contract-tests",
        pod_annotations=annotations, **extra,
    )


def components_of(gateway, workload_id):
    return gateway.list_components(workload_selector(workload_id))


def test_created_objects_are_found_by_label_selector_with_paging(gateway, namespace):
    for index in range(5):
        gateway.create_objects(build_manifests(spec(namespace, f"c{index}", f"job-{index}")))
    found = gateway.list_components(project_selector(["contract"]), page_size=2)
    mine = [c for c in found if c.namespace == namespace]
    assert sorted(c.workload_id for c in mine) == [f"c{i}" for i in range(5)]
    assert {c.kind for c in mine} == {"Job"}
    assert all(c.submitter == "contract-tests" for c in mine)


def test_a_job_runs_to_completion(gateway, namespace):
    gateway.create_objects(build_manifests(spec(namespace, "done", "finishes")))
    eventually(
        lambda: [c for c in components_of(gateway, "done") if c.state == ComponentState.COMPLETED],
        message="the Job to complete",
    )


def test_a_deployment_becomes_ready_with_its_service(gateway, namespace):
    gateway.create_objects(build_manifests(spec(namespace, "svc", "serving", shape=SERVICE)))

    def running():
        states = {c.kind: c.state for c in components_of(gateway, "svc")}
        return states.get("Deployment") == ComponentState.RUNNING and states

    states = eventually(running, message="the Deployment to be ready")
    assert states["Service"] == ComponentState.COMPLETED


def test_deleting_a_job_removes_its_pods(gateway, namespace):
    created = gateway.create_objects(build_manifests(spec(namespace, "del", "to-delete")))
    job = next(obj for obj in created if obj.kind == "Job")
    eventually(lambda: gateway.list_pods(workload_selector("del")), message="the Job's pod")
    outcome = gateway.delete_component("Job", namespace, job.name, job.uid)
    assert outcome.result == DeleteResult.DELETED
    eventually(lambda: not gateway.list_pods(workload_selector("del")), message="the pods to go")
    assert gateway.delete_component("Job", namespace, job.name, job.uid).result == DeleteResult.ALREADY_GONE


def test_a_recreated_object_is_not_deleted_by_the_old_uid(gateway, namespace):
    manifests = [m for m in build_manifests(spec(namespace, "uid", "same-name", shape=SERVICE)) if
                 m["kind"] == "Service"]
    old = gateway.create_objects(manifests)[0]
    assert gateway.delete_component("Service", namespace, old.name, old.uid).ok
    eventually(lambda: not [c for c in components_of(gateway, "uid") if c.kind == "Service"],
               message="the Service to go")
    new = gateway.create_objects(manifests)[0]
    outcome = gateway.delete_component("Service", namespace, old.name, old.uid)
    assert outcome.result == DeleteResult.ALREADY_GONE
    assert [c.uid for c in components_of(gateway, "uid") if c.kind == "Service"] == [new.uid]


def test_an_invalid_object_is_refused_with_the_servers_message(gateway, namespace):
    manifests = build_manifests(spec(namespace, "bad", "invalid"))
    manifests[0]["spec"]["template"]["spec"]["containers"][0]["image"] = ""
    with pytest.raises(CreateFailed) as error:
        gateway.create_objects(manifests)
    assert error.value.status_code == 422
    assert "image" in str(error.value).lower()
    assert components_of(gateway, "bad") == []


def test_an_empty_name_is_never_sent(gateway, namespace):
    with pytest.raises(ValueError):
        gateway.delete_component("Job", namespace, "", "some-uid")


def test_pod_logs_can_be_read(gateway, namespace):
    gateway.create_objects(build_manifests(spec(namespace, "logs", "talks")))
    pods = eventually(
        lambda: [p for p in gateway.list_pods(workload_selector("logs")) if p.phase in ("Running", "Succeeded")],
        message="a running pod",
    )
    eventually(lambda: gateway.read_logs(namespace, pods[0].name, tail_lines=10), message="log lines")


def test_node_capacity_is_read_from_ready_nodes(gateway):
    capacity = gateway.node_capacity()
    assert capacity.cpu_millicores > 0 and capacity.memory_bytes > 0


def test_custom_resources_are_listed_by_label_selector_with_paging(gateway, namespace):
    group, version, plural = "serving.kserve.io", "v1beta1", "inferenceservices"
    served = {g.name for g in k8s.ApisApi(gateway.api_client).get_api_versions().groups}
    if group not in served:
        pytest.skip(f"{group} is not served here (KServe's CRD is not installed)")
    for index in range(5):
        body = {
            "apiVersion": f"{group}/{version}",
            "kind": "InferenceService",
            "metadata": {
                "name": f"isvc-{index}",
                "labels": {"devcenter.io/workload-id": f"i{index}", "devcenter.io/project": "contract"},
            },
            "spec": {
                "predictor": {
                    "model": {
                        "modelFormat": {"name": "sklearn"},
                        "storageUri": "gs://kfserving-examples/models/sklearn/1.0/model",
                        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
                    }
                }
            },
        }
        k8s.CustomObjectsApi(gateway.api_client).create_namespaced_custom_object(
            group, version, namespace, plural, body, _request_timeout=gateway.timeout
        )
    found = gateway.list_components(project_selector(["contract"]), page_size=2)
    mine = [c for c in found if c.namespace == namespace]
    assert sorted(c.workload_id for c in mine) == [f"i{index}" for index in range(5)]
    assert {(c.kind, c.api_version) for c in mine} == {("InferenceService", f"{group}/{version}")}
    assert all(c.requests.cpu_millicores == 10 for c in mine)
