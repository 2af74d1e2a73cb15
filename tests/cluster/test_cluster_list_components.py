"""list_components: one paged LIST per kind finds many workloads; owned pods feed owners."""

import logging
import math

import pytest

from tests.conftest import launched_spec
from workloads.cluster import ClusterUnreachable, labels, project_selector, workload_selector
from workloads.cluster.kinds import KINDS, Kind, Role
from workloads.cluster.manifests import build_manifests
from workloads.status import ComponentState as S
from workloads.types import WorkloadType

LIST_PATHS = {
    "Pod": "/api/v1/pods",
    "Job": "/apis/batch/v1/jobs",
    "Deployment": "/apis/apps/v1/deployments",
    "StatefulSet": "/apis/apps/v1/statefulsets",
    "ReplicaSet": "/apis/apps/v1/replicasets",
    "Service": "/api/v1/services",
    "ConfigMap": "/api/v1/configmaps",
    "PersistentVolumeClaim": "/api/v1/persistentvolumeclaims",
    "InferenceService": "/apis/serving.kserve.io/v1beta1/inferenceservices",
}


def workload(index, project="vision", type_=WorkloadType.TRAINING, annotations=None, **overrides):
    values = {
        "image": "registry.example/app:1",
        "gpu": 1,
        "cpu_millicores": 500,
        "memory_bytes": 2**30,
        "pod_annotations": annotations or {},
    }
    values.update(overrides)
    return launched_spec(
        type_, f"w{index:05d}", project=project, name=f"wl-{index}", submitter="alice@example.com", **values
    )


def create(sim, spec):
    for manifest in build_manifests(spec):
        sim.create(manifest)


def by_workload(components):
    result = {}
    for component in components:
        result.setdefault(component.workload_id, []).append(component)
    return result


def list_requests(sim):
    return [r for r in sim.requests if r.method == "GET" and r.path in LIST_PATHS.values()]


@pytest.fixture
def many(sim):
    """300 workloads in vision and nlp (Jobs, Inference, Workspaces) and 20 in sandbox."""
    types = [
        WorkloadType.TRAINING,
        WorkloadType.INFERENCE,
        WorkloadType.WORKSPACE,
        WorkloadType.EVALUATION,
        WorkloadType.PRE_TRAINING,
    ]
    for index in range(300):
        project = "vision" if index % 2 else "nlp"
        create(sim, workload(index, project, types[index % len(types)], {"kubesim.io/start-seconds": "1"}))
    for index in range(300, 320):
        create(sim, workload(index, "sandbox"))
    sim.advance(5)
    return sim


def test_one_selector_finds_every_workload_of_both_projects(many, gateway):
    components = gateway.list_components(project_selector(["vision", "nlp"]))
    workloads = by_workload(components)
    assert len(workloads) == 300
    assert {c.project for c in components} == {"vision", "nlp"}
    # Jobs are one component; Inference and Workspace a Deployment and a Service.
    assert len(components) == 300 + 2 * 60
    assert {c.kind for c in components} == {"Job", "Deployment", "Service"}
    assert all(c.submitter == "alice@example.com" for c in components)
    assert all(c.uid and c.created_at for c in components)
    inference = workloads["w00001"]
    assert sorted(c.kind for c in inference) == ["Deployment", "Service"]
    deployment = next(c for c in inference if c.kind == "Deployment")
    assert (deployment.state, deployment.reason) == (S.RUNNING, "1 of 1 ready")
    assert deployment.requests.gpu == 1 and deployment.requests.memory_bytes == 2**30
    assert workloads["w00000"][0].state is S.RUNNING  # a Training Job, its pod running


def test_one_list_per_kind_when_everything_fits_in_a_page(many, gateway):
    many.reset_requests()
    gateway.list_components(project_selector(["vision", "nlp"]))
    requests = list_requests(many)
    assert sorted(r.path for r in requests) == sorted(LIST_PATHS.values())
    assert all(r.query.get("labelSelector") == "devcenter.io/project in (nlp,vision)" for r in requests)
    assert {r.query.get("limit") for r in requests} == {"500"}


def test_paging_costs_one_request_per_page_and_kind(many, gateway):
    page_size = 40
    counts = dict.fromkeys(LIST_PATHS, 0)
    for obj in gateway.list_objects(project_selector(["vision", "nlp"])):
        counts[obj["kind"]] += 1
    many.reset_requests()
    paged = gateway.list_components(project_selector(["vision", "nlp"]), page_size=page_size)
    assert len(paged) == 420
    requests = list_requests(many)
    expected = {kind: max(1, math.ceil(n / page_size)) for kind, n in counts.items()}
    assert {kind: len([r for r in requests if r.path == LIST_PATHS[kind]]) for kind in LIST_PATHS} == expected
    assert len(requests) == sum(expected.values())
    assert counts["Pod"] > page_size  # the pods really were paged
    assert len(KINDS) == len(LIST_PATHS)


def test_crash_looping_deployment_is_failed_with_the_pod_reason(sim, gateway):
    create(sim, workload(1, type_=WorkloadType.INFERENCE, annotations={"kubesim.io/crash-loop": "true"}))
    sim.advance(30)
    components = gateway.list_components(workload_selector("w00001"))
    deployment = next(c for c in components if c.kind == "Deployment")
    assert deployment.state is S.FAILED
    assert deployment.reason.startswith("CrashLoopBackOff")
    assert [c.kind for c in components if c.kind == "Pod"] == []  # owned pods are not components


def test_image_pull_failure_job_is_failed_with_the_pod_reason(sim, gateway):
    create(sim, workload(2, annotations={"kubesim.io/image-pull-failure": "true"}))
    sim.advance(30)
    (job,) = gateway.list_components(workload_selector("w00002"))
    assert job.kind == "Job"
    assert (job.state, job.reason.split(":")[0]) == (S.FAILED, "ImagePullBackOff")


def test_job_lifecycle_as_the_clock_advances(sim, gateway):
    create(
        sim,
        workload(3, annotations={"kubesim.io/start-seconds": "10", "kubesim.io/run-seconds": "20"}),
    )
    sim.advance(1)
    (job,) = gateway.list_components(workload_selector("w00003"))
    assert job.state is S.PENDING
    sim.advance(15)
    (job,) = gateway.list_components(workload_selector("w00003"))
    assert job.state is S.RUNNING
    sim.advance(30)
    (job,) = gateway.list_components(workload_selector("w00003"))
    assert (job.state, job.reason) == (S.COMPLETED, "Complete")


def test_failing_job_is_failed_with_the_job_condition(sim, gateway):
    create(sim, workload(4, annotations={"kubesim.io/run-seconds": "2", "kubesim.io/exit-code": "1"}))
    sim.advance(30)
    (job,) = gateway.list_components(workload_selector("w00004"))
    assert job.state is S.FAILED
    assert job.reason.startswith("BackoffLimitExceeded")


def test_deployment_becomes_running_when_all_replicas_are_ready(sim, gateway):
    spec = workload(5, type_=WorkloadType.INFERENCE, annotations={"kubesim.io/ready-seconds": "10"})
    deployment, service = build_manifests(spec)
    deployment["spec"]["replicas"] = 2
    sim.create(deployment)
    sim.create(service)
    sim.advance(2)
    components = {c.kind: c for c in gateway.list_components(workload_selector("w00005"))}
    assert (components["Deployment"].state, components["Deployment"].reason) == (S.PENDING, "0 of 2 ready")
    assert components["Service"].state is S.COMPLETED
    assert components["Deployment"].requests.gpu == 2
    sim.advance(20)
    components = {c.kind: c for c in gateway.list_components(workload_selector("w00005"))}
    assert (components["Deployment"].state, components["Deployment"].reason) == (S.RUNNING, "2 of 2 ready")


def test_bare_pod_and_statefulset_are_components(sim, gateway):
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "custom-pod",
            "namespace": "vision",
            "labels": {labels.WORKLOAD_ID: "custom-1", labels.PROJECT: "vision"},
        },
        "spec": {
            "containers": [{"name": "c", "image": "busybox", "resources": {"requests": {"cpu": "250m"}}}]
        },
    }
    sim.create(pod)
    sts_labels = {labels.WORKLOAD_ID: "custom-2", labels.PROJECT: "vision"}
    sim.create(
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "notebook", "namespace": "vision", "labels": sts_labels},
            "spec": {
                "replicas": 1,
                "serviceName": "notebook",
                "selector": {"matchLabels": sts_labels},
                "template": {
                    "metadata": {"labels": sts_labels},
                    "spec": {"containers": [{"name": "c", "image": "jupyter"}]},
                },
            },
        }
    )
    sim.advance(5)
    components = {c.kind: c for c in gateway.list_components(project_selector(["vision"]))}
    assert components["Pod"].state is S.RUNNING
    assert components["Pod"].requests.cpu_millicores == 250
    assert components["StatefulSet"].state is S.RUNNING


def test_error_on_a_list_means_the_cluster_cannot_be_read(sim, gateway):
    sim.faults.add(method="GET", path=r"/apis/batch/v1/jobs", status=500, message="etcd is down")
    with pytest.raises(ClusterUnreachable) as error:
        gateway.list_components(project_selector(["vision"]))
    assert error.value.cluster == "sim"
    assert "etcd is down" in error.value.message
    assert error.value.status_code == 500


def test_server_down_means_the_cluster_cannot_be_read(connect):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = connect(api_url=f"http://127.0.0.1:{port}", request_timeout=(1, 1))
    with pytest.raises(ClusterUnreachable, match="cannot be read"):
        down.list_components(project_selector(["vision"]))


def test_outage_means_the_cluster_cannot_be_read(kubesim, gateway):
    with kubesim.outage(), pytest.raises(ClusterUnreachable):
        gateway.list_components(project_selector(["vision"]))
    assert gateway.list_components(project_selector(["vision"])) == []  # and back again


def test_wrong_token_means_the_cluster_cannot_be_read(connect):
    with pytest.raises(ClusterUnreachable) as error:
        connect(token="wrong").list_components(project_selector(["vision"]))
    assert error.value.status_code == 401


def test_expired_continue_token_restarts_the_list_once(sim, gateway):
    from dataclasses import replace

    from kubernetes import client as k8s

    from workloads.cluster.kinds import by_name

    for index in range(10):
        sim.create(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {
                    "name": f"cm-{index}",
                    "namespace": "vision",
                    "labels": {labels.PROJECT: "vision"},
                },
            }
        )

    class CompactingCoreV1Api(k8s.CoreV1Api):
        """The real client; the history is compacted once, right after the first page."""

        compacted = False

        def list_config_map_for_all_namespaces(self, **kwargs):
            response = super().list_config_map_for_all_namespaces(**kwargs)
            if not CompactingCoreV1Api.compacted:
                CompactingCoreV1Api.compacted = True
                sim.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "unrelated"}})
                sim.compact()
            return response

    gateway.listed_kinds = (replace(by_name["ConfigMap"], api=CompactingCoreV1Api),)
    sim.reset_requests()
    components = gateway.list_components(project_selector(["vision"]), page_size=4)
    assert sorted(c.name for c in components) == sorted(f"cm-{index}" for index in range(10))
    pages = [r for r in sim.requests if r.path == "/api/v1/configmaps"]
    assert len(pages) == 2 + 3  # page 1, page 2 answered 410, then 3 pages from the start


WIDGET = Kind(
    "Widget",
    "widgets.example.com",
    "v1",
    "widgets",
    Role.COMPONENT,
    state=lambda obj, pods: (S.RUNNING, "up"),
)


def test_a_custom_resource_the_cluster_does_not_serve_is_skipped(sim, gateway, caplog):
    create(sim, workload(6))
    sim.advance(5)
    gateway.listed_kinds = (*KINDS, WIDGET)
    sim.reset_requests()
    with caplog.at_level(logging.DEBUG, logger="workloads.cluster.gateway"):
        components = gateway.list_components(project_selector(["vision"]))
    assert [c.kind for c in components] == ["Job"]
    assert sim.requests.count(method="GET", path="/apis/widgets.example.com/v1/widgets") == 1  # answered 404
    assert "Widget is not served" in caplog.text


def test_other_errors_on_a_custom_resource_still_mean_unreachable(sim, gateway):
    gateway.listed_kinds = (*KINDS, WIDGET)
    sim.faults.add(
        method="GET", path=r"/apis/widgets.example.com/", status=503, message="overloaded", times=None
    )
    with pytest.raises(ClusterUnreachable) as error:
        gateway.list_components(project_selector(["vision"]))
    assert error.value.status_code == 503


def labelled_pod(name, namespace, workload_id="w1", project="vision"):
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {labels.WORKLOAD_ID: workload_id, labels.PROJECT: project},
        },
        "spec": {"containers": [{"name": "main", "image": "i"}]},
    }


def test_a_namespaced_list_reads_only_that_namespace(sim, gateway):
    # The same labels in another namespace (another tenant's, or hostile) are not read at all.
    sim.create(labelled_pod("mine", "vision"))
    sim.create(labelled_pod("hostile", "nlp"))
    sim.reset_requests()
    found = gateway.list_components(workload_selector("w1"), namespace="vision")
    assert [(c.namespace, c.name) for c in found] == [("vision", "mine")]
    assert [p.name for p in gateway.list_pods(workload_selector("w1"), namespace="vision")] == ["mine"]
    paths = {request.path for request in sim.requests}
    assert "/api/v1/namespaces/vision/pods" in paths
    assert "/apis/serving.kserve.io/v1beta1/namespaces/vision/inferenceservices" in paths
    assert not any("/namespaces/" not in path for path in paths)
    with pytest.raises(ValueError):
        gateway.list_pods(workload_selector("w1"), namespace="")


def test_an_object_that_cannot_be_read_is_skipped_and_the_others_are_listed(sim, gateway):
    sim.create(labelled_pod("fine", "vision"))
    broken = labelled_pod("x" * 300, "vision")  # longer than any Kubernetes name
    broken["metadata"].update(uid="u-broken", creationTimestamp="2025-01-01T00:00:00Z")
    sim.store.put("Pod", broken)  # straight into the store: the API would refuse it
    strange = labelled_pod("strange", "vision")
    strange["metadata"].update(uid="u-strange", annotations=["a"])
    strange["spec"] = {"containers": "not a list"}
    strange["status"] = ["not", "a", "mapping"]
    sim.store.put("Pod", strange)
    skipped = []
    found = gateway.list_components(project_selector(["vision"]), skipped=skipped)
    assert sorted((c.name, c.state) for c in found) == [("fine", S.PENDING), ("strange", S.PENDING)]
    assert [s.reason for s in skipped] == ["name longer than 253 characters"]


def test_the_server_version_is_read_once_per_gateway(sim, gateway):
    sim.reset_requests()
    assert gateway.server_version() == (1, 33)
    assert gateway.server_version() == (1, 33)
    assert [r.path for r in sim.requests] == ["/version"]


def test_a_server_that_does_not_tell_its_version_is_of_unknown_version(sim, gateway):
    sim.faults.add(method="GET", path=r"^/version", status=403, message="forbidden")
    assert gateway.server_version() is None
