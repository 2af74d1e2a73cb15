"""create_objects + manifests: every type is accepted by the API server and found by the refresh."""

import pytest

from tests.conftest import launched_spec
from workloads.cluster import CreateFailed, labels, workload_selector
from workloads.cluster.manifests import build_manifests
from workloads.types import LAUNCHABLE, WorkloadType


def spec(type_, index=1, **overrides):
    values = {"image": "registry.example/app:1", "gpu": 1, "submitter": "bob@example.com", "model": "org/model"}
    values.update(overrides)
    return launched_spec(type_, f"c{index}", name=f"wl-{index}", **values)


@pytest.mark.parametrize("type_", sorted(LAUNCHABLE))
def test_every_type_is_created_and_found_by_its_labels(sim, gateway, type_):
    s = spec(type_)
    created = gateway.create_objects(build_manifests(s))
    assert [c.kind for c in created] == [m["kind"] for m in build_manifests(s)]
    assert all(c.uid and c.namespace == "vision" for c in created)
    sim.advance(5)
    components = gateway.list_components(workload_selector(s.workload_id))
    assert sorted((c.kind, c.uid) for c in components) == sorted((c.kind, c.uid) for c in created)
    for component in components:
        assert component.workload_id == "c1"
        assert component.project == "vision"
        assert component.submitter == "bob@example.com"
        assert component.labels[labels.WORKLOAD_TYPE] == type_.value
    pods = gateway.list_pods(workload_selector(s.workload_id))
    assert pods and all(p.labels[labels.PROJECT] == "vision" for p in pods)


def test_refused_object_leaves_nothing_behind(sim, gateway):
    deployment, service = build_manifests(spec(WorkloadType.INFERENCE))
    service["spec"]["ports"][0]["port"] = 0  # the API server answers 422 Invalid
    with pytest.raises(CreateFailed) as error:
        gateway.create_objects([deployment, service])
    assert error.value.status_code == 422
    assert "is invalid: spec.ports[0].port" in error.value.message
    assert error.value.kind == "Service"
    sim.advance(30)
    assert sim.get("Deployment", "vision", deployment["metadata"]["name"]) is None
    assert sim.list("Pod", "vision") == []
    assert gateway.list_components(workload_selector("c1")) == []


def test_invalid_name_is_refused_with_the_server_message(sim, gateway):
    (job,) = build_manifests(spec(WorkloadType.TRAINING))
    job["metadata"]["name"] = "Not_A_Name"
    with pytest.raises(CreateFailed, match="Not_A_Name"):
        gateway.create_objects([job])


def test_missing_namespace_is_reported_clearly(sim, gateway):
    with pytest.raises(CreateFailed, match="namespace 'nowhere'"):
        gateway.create_objects(build_manifests(spec(WorkloadType.TRAINING, namespace="nowhere")))


def test_server_error_in_the_middle_undoes_the_first_objects(sim, gateway):
    sim.faults.add(method="POST", path=r"/services$", status=500, message="storage is full")
    with pytest.raises(CreateFailed, match="storage is full"):
        gateway.create_objects(build_manifests(spec(WorkloadType.WORKSPACE)))
    sim.advance(30)
    assert sim.list("Deployment", "vision") == []


def test_lost_connection_in_the_middle_is_unreachable_and_undone(sim, gateway):
    from workloads.cluster import ClusterUnreachable

    sim.faults.add(method="POST", path=r"/services$", drop=True)
    with pytest.raises(ClusterUnreachable):
        gateway.create_objects(build_manifests(spec(WorkloadType.INFERENCE)))
    sim.advance(30)
    assert sim.list("Deployment", "vision") == []


def test_manifest_the_client_cannot_serialise_is_refused_without_leftovers(sim, gateway):
    deployment, service = build_manifests(spec(WorkloadType.INFERENCE))
    service["spec"]["notAField"] = True
    with pytest.raises(CreateFailed, match="notAField"):
        gateway.create_objects([deployment, service])
    assert sim.list("Deployment", "vision") == []


def test_unsupported_kind_is_refused(sim, gateway):
    with pytest.raises(CreateFailed, match="CronJob"):
        gateway.create_objects([{"kind": "CronJob", "metadata": {"name": "x", "namespace": "vision"}}])
