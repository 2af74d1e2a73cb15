"""A shared cluster is hostile: what it holds is untrusted input, and the namespace is the boundary.

Kubesim over HTTP. Objects the API would refuse are written straight into its store, as a
cluster with a looser API (a CRD without a schema, a buggy admission webhook) would hold them.
"""

import logging

from django.db import DataError

from projects.models import Cluster, Project, Quota
from workloads.cluster.resources import AMOUNT_MAX, GPU_MAX
from workloads.lifecycle import delete_execute
from workloads.models import Component, Workload, WorkloadType
from workloads.status import ComponentState, WorkloadStatus
from workloads.sync import refresh
from workloads.sync.refresh import refresh_cluster

from .conftest import GIB, make_workload, run_in_cluster

RUNNING = {"kubesim.io/start-seconds": "1"}


def pod(name, namespace="vision", *, project="vision", workload_id=None, requests=None, containers=1):
    labels = {"devcenter.io/project": project}
    if workload_id is not None:
        labels["devcenter.io/workload-id"] = str(workload_id)
    resources = {"requests": requests} if requests else {}
    extended = {key: value for key, value in (requests or {}).items() if "/" in key}
    if extended:  # a real server refuses a GPU request without its equal limit
        resources["limits"] = extended
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels, "annotations": RUNNING},
        "spec": {
            "containers": [{"name": f"c{i}", "image": "i", "resources": resources} for i in range(containers)]
        },
    }


def running_job(sim, cluster, project):
    workload = make_workload(cluster, project)
    run_in_cluster(sim, workload, pod_annotations=RUNNING)
    return workload


def test_absurd_requests_are_bounded_and_the_refresh_goes_on(sim, sim_cluster, vision):
    # Once a database integer overflow on every refresh of the cluster, for every project on it.
    job = running_job(sim, sim_cluster, vision)
    sim.create(pod("greedy", requests={"nvidia.com/gpu": "3000000000"}))
    sim.create(pod("huge", requests={"memory": "9E"}, containers=2))
    infinite = pod("infinite", requests={"cpu": "1"})
    infinite["metadata"].update(uid="u-infinite", creationTimestamp="2025-01-01T00:00:00Z")
    infinite["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "1e999999999"
    sim.store.put("Pod", infinite)  # the API would refuse it
    sim.advance(3)

    result = refresh_cluster(sim_cluster.id)
    assert result.reachable and not result.error and result.custom_created == 3
    requested = dict(Workload.objects.filter(type=WorkloadType.CUSTOM).values_list("name", "requested_gpu"))
    assert requested["greedy"] == GPU_MAX
    huge = Workload.objects.get(name="huge")
    assert huge.requested_memory_bytes == AMOUNT_MAX
    assert Workload.objects.get(name="infinite").requested_cpu_millicores == AMOUNT_MAX
    assert Workload.objects.get(pk=job.pk).status == WorkloadStatus.RUNNING  # the others are refreshed


def test_objects_that_cannot_be_read_are_skipped_counted_and_logged(
    sim, sim_cluster, vision, caplog, admin_client
):
    job = running_job(sim, sim_cluster, vision)
    broken = pod("x" * 300)
    broken["metadata"].update(uid="u-long", creationTimestamp="2025-01-01T00:00:00Z")
    sim.store.put("Pod", broken)
    sim.advance(3)
    with caplog.at_level(logging.WARNING, logger="workloads.sync.refresh"):
        result = refresh_cluster(sim_cluster.id)
    assert result.reachable and result.skipped_objects == 1
    cluster = Cluster.objects.get(pk=sim_cluster.pk)
    assert cluster.skipped_objects == 1
    assert cluster.skipped_reason == f"Pod vision/{'x' * 80}: name longer than 253 characters"
    assert "1 objects skipped" in caplog.text and "name longer than 253 characters" in caplog.text
    assert Workload.objects.get(pk=job.pk).status == WorkloadStatus.RUNNING

    # Platform admins see it on the cluster.
    change = admin_client.get(f"/admin/projects/cluster/{cluster.pk}/change/").content.decode()
    assert "name longer than 253 characters" in change
    listing = admin_client.get("/admin/projects/cluster/").content.decode()
    assert "field-skipped_objects" in listing

    # Gone on the next refresh: the count is the last refresh's.
    sim.store.remove("Pod", "vision", "x" * 300)
    refresh_cluster(sim_cluster.id)
    cluster.refresh_from_db()
    assert (cluster.skipped_objects, cluster.skipped_reason) == (0, "")


def test_a_refresh_is_all_or_nothing(sim, sim_cluster, vision, monkeypatch):
    job = running_job(sim, sim_cluster, vision)
    sim.create(pod("stray"))
    sim.advance(3)
    real_adopt = refresh.adopt

    def adopt_then_fail(*args):
        real_adopt(*args)
        raise DataError("integer out of range")

    monkeypatch.setattr(refresh, "adopt", adopt_then_fail)
    result = refresh_cluster(sim_cluster.id)
    assert "the refresh could not be written: integer out of range" in result.error
    # Nothing of it stayed: not the job's new status, its components, the Custom workload.
    assert Workload.objects.get(pk=job.pk).status == WorkloadStatus.ADDED
    assert not Component.objects.exists()
    assert not Workload.objects.filter(type=WorkloadType.CUSTOM).exists()
    cluster = Cluster.objects.get(pk=sim_cluster.pk)
    assert cluster.last_error == result.error and cluster.last_seen_at is None

    monkeypatch.setattr(refresh, "adopt", real_adopt)
    assert not refresh_cluster(sim_cluster.id).error
    assert Workload.objects.get(pk=job.pk).status == WorkloadStatus.RUNNING
    assert Cluster.objects.get(pk=sim_cluster.pk).last_error == ""


def test_an_object_in_another_namespace_with_a_victims_labels_is_ignored(sim, sim_cluster, vision):
    nlp = Project.objects.create(name="nlp", display_name="NLP")
    Quota.objects.create(
        project=nlp, cluster=sim_cluster, namespace="nlp", gpu=8, cpu_millicores=8000, memory_bytes=64 * GIB
    )
    victim = running_job(sim, sim_cluster, vision)
    sim.create(pod("hostile", "nlp", workload_id=victim.pk))  # vision's labels, nlp's namespace
    sim.create(pod("borrowed", "vision", project="nlp"))  # nlp's label, vision's namespace
    sim.advance(3)
    refresh_cluster(sim_cluster.id)
    assert list(Component.objects.filter(workload=victim).values_list("kind", flat=True)) == ["Job"]
    assert not Workload.objects.filter(type=WorkloadType.CUSTOM).exists()


def test_a_delete_never_reaches_outside_the_workloads_namespace(sim, sim_cluster, vision):
    # A component row naming an object in another namespace (old data, a bug): never sent.
    workload = make_workload(sim_cluster, vision, status=WorkloadStatus.RUNNING)
    elsewhere = sim.create(pod("someone-elses", "nlp"))
    Component.objects.create(
        workload=workload,
        kind="Pod",
        api_version="v1",
        name="someone-elses",
        namespace="nlp",
        uid=elsewhere["metadata"]["uid"],
        state=ComponentState.RUNNING,
    )
    Workload.objects.filter(pk=workload.pk).update(status=WorkloadStatus.DELETING)
    sim.reset_requests()
    delete_execute.delete_workload(workload.pk, final_attempt=False)
    component = Component.objects.get(workload=workload)
    assert component.state == ComponentState.DELETE_FAILED
    assert "outside the workload's namespace 'vision'" in component.reason
    assert Workload.objects.get(pk=workload.pk).status == WorkloadStatus.DELETE_FAILED
    assert not [r for r in sim.requests if r.method == "DELETE"]
    assert sim.get("Pod", "nlp", "someone-elses") is not None
