"""Launching and listing: what devcenter creates runs, and one paged LIST per kind finds it."""

import pytest
from kubernetes import client as k8s

from tests.conftest import launched_spec
from workloads.cluster import SERVICE, CreateFailed, build_manifests
from workloads.cluster.kinds import HELPER_KINDS, KINDS
from workloads.cluster.labels import project_selector, workload_selector
from workloads.status import ComponentState
from workloads.types import LAUNCHABLE, Shape

from .conftest import eventually, raw, server_version, spec

# What each workload type's components reach on its own: batch types finish, services run.
EXPECTED = {Shape.BATCH: {"Job": ComponentState.COMPLETED},
            Shape.SERVICE: {"Deployment": ComponentState.RUNNING, "Service": ComponentState.COMPLETED}}


def components_of(gateway, workload_id):
    return gateway.list_components(workload_selector(workload_id))


@pytest.mark.parametrize("type_", list(LAUNCHABLE), ids=[t.value for t in LAUNCHABLE])
def test_every_workload_type_launches_and_reaches_its_state(gateway, namespace, type_):
    record = LAUNCHABLE[type_]
    workload_id = f"{namespace}-{type_.value}"[:63]
    submitted = {"image": "busybox:1.36", "cpu_millicores": 10, "memory_bytes": 16 * 2**20,
                 "pod_annotations": {"kubesim.io/run-seconds": "2"} if record.shape == Shape.BATCH else {}}
    if record.has_workers and server_version(gateway) >= (1, 22):
        # Before 1.22 devcenter refuses several workers (Indexed Jobs): test_refresh_across_deletes.py.
        submitted["workers"] = 2
    workload = launched_spec(type_.value, workload_id, project=namespace, name=type_.value[:20], namespace=namespace,
                             base_url="https://workspaces.example.com", **submitted)
    manifests = build_manifests(workload)
    gateway.create_objects(manifests)
    # Helpers the type adds (a workspace's NetworkPolicy) count as Completed while they exist.
    expected = {**EXPECTED[record.shape],
                **{m["kind"]: ComponentState.COMPLETED for m in manifests if m["kind"] in HELPER_KINDS}}

    def reached():
        states = {c.kind: c.state for c in components_of(gateway, workload_id)}
        return states == expected and states

    eventually(reached, message=f"{type_.label}'s components to reach {expected}")
    pods = gateway.list_pods(workload_selector(workload_id), namespace=namespace)
    assert len(pods) == submitted.get("workers", 1)


def test_indexed_jobs_give_each_worker_its_index(gateway, namespace):
    if server_version(gateway) < (1, 22):
        pytest.skip("Job completionMode Indexed arrived in Kubernetes 1.22; older servers drop the field silently "
                    "(kubesim's newer behaviour: tests/kubesim/test_workload_controllers.py)")
    workload = launched_spec("pre-training", f"{namespace}-idx", project=namespace, name="pretrain",
                             namespace=namespace, image="busybox:1.36", workers=3, cpu_millicores=10,
                             memory_bytes=16 * 2**20, pod_annotations={"kubesim.io/run-seconds": "30"})
    created = gateway.create_objects(build_manifests(workload))
    _, job = raw(gateway, "GET", f"/apis/batch/v1/namespaces/{namespace}/jobs/{created[0].name}")
    assert job["spec"]["completionMode"] == "Indexed"

    def indexes():
        _, pods = raw(gateway, "GET", f"/api/v1/namespaces/{namespace}/pods")
        found = sorted((p["metadata"].get("annotations") or {}).get("batch.kubernetes.io/job-completion-index", "")
                       for p in pods["items"])
        return found == ["0", "1", "2"] and found

    eventually(indexes, message="one pod per completion index")


def test_created_objects_are_found_by_label_selector_with_paging(gateway, namespace):
    for index in range(5):
        gateway.create_objects(build_manifests(spec(namespace, f"{namespace}-c{index}", f"job-{index}")))
    found = gateway.list_components(project_selector([namespace]), page_size=2)
    assert sorted(c.workload_id for c in found) == [f"{namespace}-c{i}" for i in range(5)]
    assert {(c.kind, c.namespace) for c in found} == {("Job", namespace)}
    assert all(c.submitter == "contract-tests" for c in found)
    pods = eventually(lambda: len(gateway.list_pods(project_selector([namespace]), page_size=2)) == 5 and
                      gateway.list_pods(project_selector([namespace]), page_size=2), message="five pods")
    assert {p.namespace for p in pods} == {namespace}


def test_a_deployment_becomes_ready_with_its_service(gateway, namespace):
    workload_id = f"{namespace}-svc"
    gateway.create_objects(build_manifests(spec(namespace, workload_id, "serving", shape=SERVICE)))

    def running():
        states = {c.kind: c.state for c in components_of(gateway, workload_id)}
        return states.get("Deployment") == ComponentState.RUNNING and states

    states = eventually(running, message="the Deployment to be ready")
    assert states["Service"] == ComponentState.COMPLETED


def test_an_invalid_object_is_refused_with_the_servers_message(gateway, namespace):
    manifests = build_manifests(spec(namespace, f"{namespace}-bad", "invalid"))
    manifests[0]["spec"]["template"]["spec"]["containers"][0]["image"] = ""
    with pytest.raises(CreateFailed) as error:
        gateway.create_objects(manifests)
    assert error.value.status_code == 422
    assert "spec.template.spec.containers[0].image: Required value" in str(error.value)
    assert components_of(gateway, f"{namespace}-bad") == []


def test_an_empty_name_is_never_sent(gateway, namespace):
    with pytest.raises(ValueError):
        gateway.delete_component("Job", namespace, "", "some-uid")


CUSTOM = [kind for kind in KINDS if kind.custom]


@pytest.mark.parametrize("kind", CUSTOM, ids=[kind.name for kind in CUSTOM])
def test_custom_resources_are_listed_by_label_selector_with_paging(gateway, namespace, kind):
    served = {g.name for g in k8s.ApisApi(gateway.api_client).get_api_versions().groups}
    if kind.group not in served:
        pytest.skip(f"{kind.group} is not served here (its CRD is not installed)")
    for index in range(5):
        body = {
            "apiVersion": kind.api_version,
            "kind": kind.name,
            "metadata": {
                "name": f"custom-{index}",
                "labels": {"devcenter.io/workload-id": f"i{index}", "devcenter.io/project": namespace},
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
            kind.group, kind.version, namespace, kind.plural, body, _request_timeout=gateway.timeout
        )
    found = gateway.list_components(project_selector([namespace]), page_size=2)
    assert sorted(c.workload_id for c in found) == [f"i{index}" for index in range(5)]
    assert {(c.kind, c.api_version) for c in found} == {(kind.name, kind.api_version)}
    assert all(c.requests.cpu_millicores == 10 for c in found)
