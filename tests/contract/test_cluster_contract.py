"""What devcenter relies on from the Kubernetes API, through the gateway and the real client."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from kubernetes import client as k8s

from workloads.cluster import BATCH, SERVICE, CreateFailed, DeleteResult, WorkloadSpec, build_manifests
from workloads.cluster.labels import project_selector, workload_selector
from workloads.status import ComponentState, WorkloadStatus
from workloads.sync.reconcile import ComponentRow, ProjectNamespace, WorkloadRow, reconcile

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


def components_of(gateway, namespace, workload_id):
    return gateway.list_components(workload_selector(workload_id), namespace=namespace)


def pods_of(gateway, namespace, workload_id):
    return gateway.list_pods(workload_selector(workload_id), namespace=namespace)


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
        lambda: [c for c in components_of(gateway, namespace, "done") if c.state == ComponentState.COMPLETED],
        message="the Job to complete",
    )


def test_a_deployment_becomes_ready_with_its_service(gateway, namespace):
    gateway.create_objects(build_manifests(spec(namespace, "svc", "serving", shape=SERVICE)))

    def running():
        states = {c.kind: c.state for c in components_of(gateway, namespace, "svc")}
        return states.get("Deployment") == ComponentState.RUNNING and states

    states = eventually(running, message="the Deployment to be ready")
    assert states["Service"] == ComponentState.COMPLETED


def test_deleting_a_job_removes_its_pods(gateway, namespace):
    created = gateway.create_objects(build_manifests(spec(namespace, "del", "to-delete")))
    job = next(obj for obj in created if obj.kind == "Job")
    eventually(lambda: pods_of(gateway, namespace, "del"), message="the Job's pod")
    outcome = gateway.delete_component("Job", namespace, job.name, job.uid)
    assert outcome.result == DeleteResult.DELETED
    eventually(lambda: not pods_of(gateway, namespace, "del"), message="the pods to go")
    assert gateway.delete_component("Job", namespace, job.name, job.uid).result == DeleteResult.ALREADY_GONE


def test_a_recreated_object_is_not_deleted_by_the_old_uid(gateway, namespace):
    manifests = [m for m in build_manifests(spec(namespace, "uid", "same-name", shape=SERVICE)) if
                 m["kind"] == "Service"]
    old = gateway.create_objects(manifests)[0]
    assert gateway.delete_component("Service", namespace, old.name, old.uid).ok
    eventually(lambda: not [c for c in components_of(gateway, namespace, "uid") if c.kind == "Service"],
               message="the Service to go")
    new = gateway.create_objects(manifests)[0]
    outcome = gateway.delete_component("Service", namespace, old.name, old.uid)
    assert outcome.result == DeleteResult.ALREADY_GONE
    assert [c.uid for c in components_of(gateway, namespace, "uid") if c.kind == "Service"] == [new.uid]


def test_an_invalid_object_is_refused_with_the_servers_message(gateway, namespace):
    manifests = build_manifests(spec(namespace, "bad", "invalid"))
    manifests[0]["spec"]["template"]["spec"]["containers"][0]["image"] = ""
    with pytest.raises(CreateFailed) as error:
        gateway.create_objects(manifests)
    assert error.value.status_code == 422
    assert "image" in str(error.value).lower()
    assert components_of(gateway, namespace, "bad") == []


def test_an_empty_name_is_never_sent(gateway, namespace):
    with pytest.raises(ValueError):
        gateway.delete_component("Job", namespace, "", "some-uid")


def test_pod_logs_can_be_read(gateway, namespace):
    gateway.create_objects(build_manifests(spec(namespace, "logs", "talks")))
    pods = eventually(
        lambda: [p for p in pods_of(gateway, namespace, "logs") if p.phase in ("Running", "Succeeded")],
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


# What the refresh makes of a namespace while the server is still removing things. The rows are
# what devcenter holds for the workload; the plan is what the refresh would write (the
# product's own `reconcile`). The garbage collector (real or simulated) deletes an owner first,
# then its ReplicaSet, then the pods, each terminating over its grace period.

SLOW_TO_GO = {"kubesim.io/termination-seconds": "20"}  # the stand-in kubelet honours it too


def leaving(namespace, workload_id, name):
    return dataclasses.replace(
        spec(namespace, workload_id, name, shape=SERVICE), pods=2, pod_annotations=SLOW_TO_GO
    )


def recorded_as(workload_id, created, state, reason):
    before = datetime.now(UTC) - timedelta(minutes=1)
    return [
        ComponentRow(
            index,
            workload_id,
            obj.kind,
            obj.api_version,
            obj.name,
            obj.namespace,
            obj.uid,
            state,
            reason,
            before,
        )
        for index, obj in enumerate(created, start=1)
    ]


def drain(response) -> bytes:
    """Read a raw response whole: an unread body would poison the pooled connection."""
    try:
        return response.data
    finally:
        response.release_conn()


def refresh_plan(gateway, namespace, workload, recorded):
    """(what a refresh lists in `namespace`, the plan it would write)."""
    listed = [c for c in gateway.list_components(project_selector(["contract"])) if c.namespace == namespace]
    now = datetime.now(UTC)
    namespaces = {"contract": ProjectNamespace(workload.project_id, namespace)}
    return listed, reconcile(namespaces, listed, [workload], recorded, snapshot=now, now=now)


def assert_never_adopted(gateway, namespace, workload, recorded) -> int:
    """Refresh until the namespace is empty; the plan never writes or adopts anything. How many
    refreshes saw leftovers."""
    saw = 0

    def settled():
        nonlocal saw
        listed, plan = refresh_plan(gateway, namespace, workload, recorded)
        assert not plan.component_creates and not plan.component_updates, listed
        assert not plan.transitions and not plan.unknown, listed
        saw += bool(listed)
        return not listed

    eventually(settled, timeout=90, message="the leftovers to go")
    return saw


def test_the_refresh_across_a_delete_never_adopts_what_the_delete_leaves(gateway, namespace):
    created = gateway.create_objects(build_manifests(leaving(namespace, 9101, "leaves")))
    eventually(
        lambda: len([p for p in pods_of(gateway, namespace, "9101") if p.phase == "Running"]) == 2,
        message="two running pods",
    )
    for obj in created:  # what the delete task does
        assert gateway.delete_component(obj.kind, obj.namespace, obj.name, obj.uid).ok
    deleted = WorkloadRow(
        9101, 1, WorkloadStatus.DELETED, "deleted", True, datetime.now(UTC) - timedelta(minutes=1), namespace
    )
    recorded = recorded_as(9101, created, ComponentState.DELETED, "deleted")
    assert assert_never_adopted(gateway, namespace, deleted, recorded) >= 1  # the pods took a while


def test_a_launch_refused_halfway_leaves_nothing_the_refresh_adopts(gateway, namespace):
    quota = {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "no-services"},
        "spec": {"hard": {"services": "0"}},
    }
    try:
        gateway.core.create_namespaced_resource_quota(namespace, quota, _request_timeout=gateway.timeout)
    except k8s.ApiException as exc:
        if exc.status == 404:
            pytest.skip("this server does not serve ResourceQuotas (kubesim until it has them)")
        raise

    def enforced():  # once the server refuses a Service (a real one waits for the quota controller)
        probe = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "probe"},
                 "spec": {"ports": [{"port": 80}]}}
        raw = {"_preload_content": False, "_request_timeout": gateway.timeout}  # no typed parsing
        try:
            drain(gateway.core.create_namespaced_service(namespace, probe, **raw))
        except k8s.ApiException as exc:
            if exc.status == 403:
                return True
            raise
        drain(gateway.core.delete_namespaced_service("probe", namespace, **raw))
        return False

    eventually(enforced, message="the ResourceQuota to be enforced")
    with pytest.raises(CreateFailed) as refused:
        gateway.create_objects(build_manifests(leaving(namespace, 9102, "refused")))
    assert refused.value.status_code == 403
    assert "exceeded quota" in refused.value.message
    assert [o.kind for o in refused.value.undone] == ["Deployment"] and not refused.value.left
    failed = WorkloadRow(
        9102,
        1,
        WorkloadStatus.FAILED,
        refused.value.message,
        False,
        datetime.now(UTC) - timedelta(minutes=1),
        namespace,
    )
    recorded = recorded_as(
        9102, refused.value.undone, ComponentState.DELETED, "undone: the launch was refused"
    )
    assert_never_adopted(gateway, namespace, failed, recorded)  # it stays Failed: no transition


def test_an_indexed_job_is_honoured_or_refused_never_silently_dropped(gateway, namespace):
    workers = dataclasses.replace(spec(namespace, "idx", "workers"), pods=2)
    if gateway.server_version() < (1, 22):
        with pytest.raises(CreateFailed, match=r"ignores Job spec.completionMode: Indexed \(Kubernetes 1.22"):
            gateway.create_objects(build_manifests(workers))
        assert components_of(gateway, namespace, "idx") == []
    else:
        (job,) = gateway.create_objects(build_manifests(workers))
        read = gateway.batch.read_namespaced_job(job.name, namespace, _request_timeout=gateway.timeout)
        assert read.spec.completion_mode == "Indexed"
