"""Two refreshes of one cluster never overlap, and a refresh never overwrites a newer status."""

import threading

import pytest
from django.db import connections
from django.utils import timezone

from workloads.models import Workload
from workloads.status import WorkloadStatus
from workloads.sync.refresh import refresh_cluster

from .conftest import make_workload, run_in_cluster, wait_for

pytestmark = pytest.mark.django_db(transaction=True)
LIST_PATHS = ("/api/v1/pods", "/apis/batch/v1/jobs")


def in_thread(function, *args):
    results = []

    def run():
        try:
            results.append(function(*args))
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, results


def lists_of(sim, path):
    return [r for r in sim.requests if r.method == "GET" and r.path == path]


def test_a_second_refresh_of_the_same_cluster_is_skipped(sim, sim_cluster, vision):
    run_in_cluster(sim, make_workload(sim_cluster, vision))
    sim.faults.add(method="GET", path=r"^/api/v1/pods$", times=1, delay=1.5)
    thread, results = in_thread(refresh_cluster, sim_cluster.id)
    wait_for(lambda: lists_of(sim, "/api/v1/pods"), message="the first refresh to list pods")

    second = refresh_cluster(sim_cluster.id)
    thread.join(10)
    assert second.skipped
    (first,) = results
    assert not first.skipped and first.observed == 1
    assert len(lists_of(sim, "/api/v1/pods")) == 1  # the skipped refresh called nothing

    # The lock is released: the next refresh runs.
    assert not refresh_cluster(sim_cluster.id).skipped


def test_a_delete_requested_during_a_refresh_is_not_overwritten(sim, sim_cluster, vision):
    workload = make_workload(sim_cluster, vision)
    run_in_cluster(sim, workload, pod_annotations={"kubesim.io/start-seconds": "1"})
    sim.advance(3)
    sim.faults.add(method="GET", path=r"^/apis/batch/v1/jobs$", times=1, delay=1.5)
    thread, results = in_thread(refresh_cluster, sim_cluster.id)
    wait_for(lambda: lists_of(sim, "/apis/batch/v1/jobs"), message="the refresh to list jobs")

    # What request_delete writes, while the refresh waits for its LIST.
    now = timezone.now()
    Workload.objects.filter(pk=workload.pk).update(
        status=WorkloadStatus.DELETING, status_changed_at=now, delete_requested_at=now
    )
    thread.join(10)
    assert results and results[0].status_changes == 0
    assert Workload.objects.get(pk=workload.pk).status == WorkloadStatus.DELETING
    # The next refresh sees the delete request: the object is still there -> still Deleting.
    refresh_cluster(sim_cluster.id)
    assert Workload.objects.get(pk=workload.pk).status == WorkloadStatus.DELETING
