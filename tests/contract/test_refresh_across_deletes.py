"""What a refresh makes of a namespace while the server is still removing things: the
product's own `reconcile` on what the gateway lists, during the garbage collection and
graceful termination a delete (or a launch refused halfway) leaves behind."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from kubernetes import client as k8s

from workloads.cluster import SERVICE, CreateFailed, build_manifests
from workloads.cluster.labels import project_selector, workload_selector
from workloads.status import ComponentState, WorkloadStatus
from workloads.sync.reconcile import ComponentRow, ProjectNamespace, WorkloadRow, reconcile

from .conftest import eventually, spec


def components_of(gateway, namespace, workload_id):
    return gateway.list_components(workload_selector(workload_id), namespace=namespace)


def pods_of(gateway, namespace, workload_id):
    return gateway.list_pods(workload_selector(workload_id), namespace=namespace)


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
    listed = [c for c in gateway.list_components(project_selector([namespace])) if c.namespace == namespace]
    now = datetime.now(UTC)
    namespaces = {namespace: ProjectNamespace(workload.project_id, namespace)}
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
            pytest.skip("this server does not serve ResourceQuotas")
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
