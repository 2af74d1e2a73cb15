"""A cluster that cannot be read changes no status and is marked unreachable."""

from projects.models import Cluster
from workloads.models import Workload
from workloads.status import WorkloadStatus
from workloads.sync.refresh import refresh_cluster

from .conftest import make_workload, run_in_cluster


def test_outage_changes_no_status_and_marks_the_cluster_unreachable(kubesim, sim, sim_cluster, vision):
    workload = make_workload(sim_cluster, vision)
    run_in_cluster(sim, workload, pod_annotations={"kubesim.io/start-seconds": "1"})
    sim.advance(3)
    refresh_cluster(sim_cluster.id)
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.RUNNING
    refreshed = Workload.objects.select_related("cluster").get(pk=workload.pk).status_checked_at
    assert refreshed is not None

    with kubesim.outage():
        result = refresh_cluster(sim_cluster.id)
        first_failure = Cluster.objects.get(pk=sim_cluster.pk)
        refresh_cluster(sim_cluster.id)
    assert not result.reachable
    cluster = Cluster.objects.get(pk=sim_cluster.pk)
    assert not cluster.reachable
    assert cluster.last_error
    assert cluster.unreachable_since == first_failure.unreachable_since  # the first time, kept
    assert cluster.last_refreshed_at > first_failure.last_seen_at
    workload = Workload.objects.select_related("cluster").get(pk=workload.pk)
    assert (workload.status, workload.status_checked_at) == (WorkloadStatus.RUNNING, refreshed)

    refresh_cluster(sim_cluster.id)
    cluster = Cluster.objects.get(pk=sim_cluster.pk)
    assert cluster.reachable and cluster.unreachable_since is None and cluster.last_error == ""


def test_server_errors_on_list_are_an_outage_too(sim, sim_cluster, vision):
    workload = make_workload(sim_cluster, vision)
    run_in_cluster(sim, workload)
    sim.faults.add(method="GET", path=r"/apis/batch/v1/jobs", times=None, status=500, message="boom")
    result = refresh_cluster(sim_cluster.id)
    assert not result.reachable and "boom" in result.error
    assert Workload.objects.get(pk=workload.pk).status == WorkloadStatus.ADDED
    assert not Cluster.objects.get(pk=sim_cluster.pk).reachable
