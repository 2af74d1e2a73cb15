"""Launch: Added -> objects created in the cluster -> Pending -> Running through refresh;
a refused create is Failed with the API's message; a replay creates nothing twice."""

import pytest

from workloads.cluster.manifests import build_manifests
from workloads.models import Component, Workload, WorkloadType
from workloads.status import WorkloadStatus
from workloads.sync.refresh import refresh_cluster
from workloads.tasks import create_workload

from .conftest import make_workload, spec_for, wait_for


def posts(sim):
    return [r for r in sim.requests if r.method == "POST"]


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_launch_creates_objects_and_refresh_follows(celery_worker, sim, sim_cluster, vision):
    workload = make_workload(
        sim_cluster,
        vision,
        name="finetune",
        type_=WorkloadType.FINE_TUNING,
        spec={
            "image": "registry.example/ft:1",
            "model": "llama",
            "pod_annotations": {"kubesim.io/start-seconds": "2"},
        },
    )
    create_workload.delay(workload.pk)
    wait_for(lambda: Workload.objects.get(pk=workload.pk).status == WorkloadStatus.PENDING, message="Pending")
    (component,) = Component.objects.filter(workload=workload)
    assert component.kind == "Job" and component.uid
    job = sim.get("Job", "vision", component.name)
    assert job["metadata"]["labels"]["devcenter.io/workload-id"] == str(workload.pk)
    assert job["metadata"]["annotations"]["devcenter.io/submitter"] == "dev"

    sim.advance(5)
    refresh_cluster(sim_cluster.id)
    assert Workload.objects.get(pk=workload.pk).status == WorkloadStatus.RUNNING

    # A duplicate message changes nothing.
    create_workload.apply(args=[workload.pk])
    assert len(posts(sim)) == 1


def test_a_refused_create_is_failed_with_the_api_message(sim, sim_cluster, vision):
    workload = make_workload(sim_cluster, vision, namespace="no-such-namespace")
    create_workload.apply(args=[workload.pk])
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.FAILED
    assert "no-such-namespace" in workload.status_reason
    assert not Component.objects.filter(workload=workload).exists()
    # The refresh leaves a failed launch alone (it has no components to judge by).
    refresh_cluster(sim_cluster.id)
    assert Workload.objects.get(pk=workload.pk).status == WorkloadStatus.FAILED


def test_a_rerun_after_a_crash_creates_only_what_is_missing(sim, sim_cluster, vision):
    workload = make_workload(
        sim_cluster,
        vision,
        name="infer",
        type_=WorkloadType.INFERENCE,
        spec={"image": "registry.example/serve:1"},
    )
    deployment, _service = build_manifests(spec_for(workload, image="registry.example/serve:1"))
    sim.create(deployment)  # what the run that died had created
    Workload.objects.filter(pk=workload.pk).update(create_attempts=1)
    sim.reset_requests()
    create_workload.apply(args=[workload.pk])
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.PENDING
    assert [r.path.split("/")[-1] for r in posts(sim)] == ["services"]
    assert sorted(Component.objects.filter(workload=workload).values_list("kind", flat=True)) == [
        "Deployment",
        "Service",
    ]


def test_an_unreachable_cluster_fails_the_launch_after_the_retries(kubesim, sim, sim_cluster, vision):
    workload = make_workload(sim_cluster, vision)
    create_workload.max_retries = 0
    try:
        with kubesim.outage():
            create_workload.apply(args=[workload.pk])
    finally:
        del create_workload.max_retries
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.FAILED
    assert workload.status_reason.startswith("cluster unreachable")
