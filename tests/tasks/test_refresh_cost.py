"""The refresh's cost depends on kinds and pages, not on the number of workloads."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from workloads.cluster.kinds import KINDS
from workloads.cluster.manifests import build_manifests
from workloads.models import Workload, WorkloadType
from workloads.status import WorkloadStatus
from workloads.sync.refresh import refresh_cluster

from .conftest import spec_for


def populate(sim, cluster, project, count):
    workloads = Workload.objects.bulk_create(
        Workload(
            project=project,
            cluster=cluster,
            name=f"train-{count}-{index}",
            type=WorkloadType.TRAINING,
            namespace="vision",
            created_by_name="dev",
        )
        for index in range(count)
    )
    for workload in workloads:
        for manifest in build_manifests(
            spec_for(workload, pod_annotations={"kubesim.io/start-seconds": "1"})
        ):
            sim.create(manifest, settle=False)
    sim.advance(3)
    return workloads


def measure(sim, cluster):
    sim.reset_requests()
    with CaptureQueriesContext(connection) as queries:
        result = refresh_cluster(cluster.id)
    assert result.reachable and not result.skipped
    return len(sim.requests), len(queries)


@pytest.mark.parametrize("count", [50, 450])
def test_api_calls_are_one_list_per_kind_whatever_the_number_of_workloads(count, sim, sim_cluster, vision):
    populate(sim, sim_cluster, vision, count)
    first_api, _ = measure(sim, sim_cluster)
    assert Workload.objects.filter(status=WorkloadStatus.RUNNING).count() == count
    steady_api, _ = measure(sim, sim_cluster)
    # One LIST per kind (one page each at these sizes), one LIST of nodes, and one LIST of the
    # Warning Events per project namespace (one here).
    assert first_api == steady_api == len(KINDS) + 1 + 1
    assert sum(1 for request in sim.requests if request.path.endswith("/events")) == 1


def test_api_calls_grow_with_pages(sim, sim_cluster, vision, settings):
    settings.CLUSTER_LIST_PAGE_SIZE = 100
    populate(sim, sim_cluster, vision, 250)
    api_calls, _ = measure(sim, sim_cluster)
    # Jobs and pods take 3 pages each (250 objects, 100 a page); other kinds, nodes, events one.
    assert api_calls == len(KINDS) + 1 + 2 * 2 + 1


def test_query_count_does_not_grow_with_workloads(sim, sim_cluster, vision):
    populate(sim, sim_cluster, vision, 20)
    small_first = measure(sim, sim_cluster)
    small_steady = measure(sim, sim_cluster)
    populate(sim, sim_cluster, vision, 300)
    large_first = measure(sim, sim_cluster)
    large_steady = measure(sim, sim_cluster)
    # The first refresh creates components and moves statuses (bulk writes, one batch each);
    # the steady one only reads and stamps the cluster's last_seen_at.
    assert small_first == large_first
    assert small_steady == large_steady
    # + the diagnosis: the known workloads, their components' uids (nothing to write when
    # neither reasons nor Events changed).
    assert small_steady[1] <= 10, small_steady


def test_a_refresh_with_nothing_changed_writes_no_workload_row(sim, sim_cluster, vision):
    """The statuses it checked are stamped once, on the cluster (`last_seen_at`), not per row."""
    (workload,) = populate(sim, sim_cluster, vision, 1)
    refresh_cluster(sim_cluster.id)
    with CaptureQueriesContext(connection) as queries:
        assert refresh_cluster(sim_cluster.id).reachable
    writes = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert writes and all('"projects_cluster"' in sql for sql in writes), writes
    row = Workload.objects.select_related("cluster").get(pk=workload.pk)
    assert row.status_checked_at == row.cluster.last_seen_at is not None
