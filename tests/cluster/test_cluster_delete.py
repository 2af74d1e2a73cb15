"""delete_component: Background propagation, uid preconditions, 404 is success, errors surfaced."""

import pytest

from workloads.cluster import ClusterUnreachable, DeleteResult, workload_selector
from workloads.cluster.manifests import BATCH, SERVICE, WorkloadSpec, build_manifests
from workloads.status import ComponentState as S


def training(index=1, **annotations):
    return WorkloadSpec(
        workload_id=f"del{index}",
        project="vision",
        name=f"train-{index}",
        type="pre-training",
        shape=BATCH,
        namespace="vision",
        image="registry.example/train:1",
        pods=3,
        pod_annotations=annotations,
    )


def created_job(sim, index=1):
    (manifest,) = build_manifests(training(index))
    job = sim.create(manifest)
    sim.advance(3)
    return job


def pods_of(sim, workload_id):
    return sim.list("Pod", "vision", label_selector=f"devcenter.io/workload-id={workload_id}")


def test_deleting_a_job_takes_its_pods_with_it(sim, gateway):
    job = created_job(sim)
    assert len(pods_of(sim, "del1")) == 3
    outcome = gateway.delete_component("Job", "vision", job["metadata"]["name"], job["metadata"]["uid"])
    assert outcome.result is DeleteResult.DELETED
    assert outcome.state is S.DELETED
    (request,) = [r for r in sim.requests if r.method == "DELETE"]
    assert request.path == f"/apis/batch/v1/namespaces/vision/jobs/{job['metadata']['name']}"
    sim.advance(60)
    assert sim.get("Job", "vision", job["metadata"]["name"]) is None
    assert pods_of(sim, "del1") == []
    assert gateway.list_components(workload_selector("del1")) == []


def test_deleting_a_deployment_takes_replicasets_and_pods(sim, gateway):
    spec = WorkloadSpec(
        workload_id="del-inf", project="vision", name="infer", type="inference", shape=SERVICE, port=8000,
        namespace="vision", image="i",
    )
    created = gateway.create_objects(build_manifests(spec))
    sim.advance(5)
    assert len(pods_of(sim, "del-inf")) == 1
    for obj in created:
        assert gateway.delete_component(obj.kind, obj.namespace, obj.name, obj.uid).ok
    sim.advance(60)
    assert pods_of(sim, "del-inf") == []
    assert sim.list("ReplicaSet", "vision") == []
    assert gateway.list_components(workload_selector("del-inf")) == []


def test_already_gone_is_success(sim, gateway):
    outcome = gateway.delete_component("Job", "vision", "never-existed", "some-uid")
    assert outcome.result is DeleteResult.ALREADY_GONE
    assert outcome.ok and outcome.status_code == 404


def test_uid_precondition_protects_a_re_created_object(sim, gateway):
    job = created_job(sim)
    name, old_uid = job["metadata"]["name"], job["metadata"]["uid"]
    sim.delete("Job", "vision", name, propagation_policy="Background")
    sim.advance(30)
    (manifest,) = build_manifests(training())
    new = sim.create(manifest)
    assert new["metadata"]["uid"] != old_uid
    outcome = gateway.delete_component("Job", "vision", name, old_uid)
    assert outcome.result is DeleteResult.ALREADY_GONE
    assert "re-created" in outcome.message
    assert sim.get("Job", "vision", name)["metadata"]["uid"] == new["metadata"]["uid"]


def test_server_error_is_a_failed_delete_with_the_api_message(sim, gateway):
    job = created_job(sim)
    sim.faults.add(method="DELETE", path=r"/jobs/", status=500, message="etcdserver: request timed out")
    outcome = gateway.delete_component("Job", "vision", job["metadata"]["name"], job["metadata"]["uid"])
    assert outcome.result is DeleteResult.FAILED
    assert outcome.state is S.DELETE_FAILED
    assert outcome.message == "etcdserver: request timed out"
    assert outcome.status_code == 500
    assert sim.get("Job", "vision", job["metadata"]["name"]) is not None


def test_forbidden_is_a_failed_delete(sim, gateway):
    job = created_job(sim)
    sim.faults.add(method="DELETE", path=r"/jobs/", status=403, message='jobs.batch "x" is forbidden')
    outcome = gateway.delete_component("Job", "vision", job["metadata"]["name"], job["metadata"]["uid"])
    assert (outcome.result, outcome.status_code) == (DeleteResult.FAILED, 403)
    assert "forbidden" in outcome.message


def test_dropped_connection_is_unreachable_and_not_retried(sim, gateway):
    job = created_job(sim)
    sim.reset_requests()
    sim.faults.add(method="DELETE", path=r"/jobs/", drop=True, times=5)
    with pytest.raises(ClusterUnreachable):
        gateway.delete_component("Job", "vision", job["metadata"]["name"], job["metadata"]["uid"])
    # urllib3 retries are off: our Celery task owns retries.
    assert len([r for r in sim.requests if r.method == "DELETE"]) == 1


def test_answer_slower_than_the_read_timeout_is_unreachable(sim, connect):
    job = created_job(sim)
    sim.faults.add(method="DELETE", path=r"/jobs/", delay=1.5)
    impatient = connect(request_timeout=(1, 0.5))
    with pytest.raises(ClusterUnreachable, match="timed out"):
        impatient.delete_component("Job", "vision", job["metadata"]["name"], job["metadata"]["uid"])


@pytest.mark.parametrize(
    ("name", "namespace", "uid"), [("", "vision", "u"), ("  ", "vision", "u"), ("x", "", "u")]
)
def test_empty_names_are_refused_without_any_request(sim, gateway, name, namespace, uid):
    created_job(sim)
    sim.reset_requests()
    with pytest.raises(ValueError):
        gateway.delete_component("Job", namespace, name, uid)
    assert len(sim.requests) == 0
    assert len(sim.list("Job", "vision")) == 1


def test_uid_is_required(sim, gateway):
    with pytest.raises(ValueError, match="uid"):
        gateway.delete_component("Job", "vision", "train-1", "")
