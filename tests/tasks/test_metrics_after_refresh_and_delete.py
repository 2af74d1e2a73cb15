"""/metrics follows the work: a refresh against kubesim moves the refresh figures and the
workload counts; a delete through a real Celery worker moves the task outcomes; an unreachable
cluster shows as such."""

import pytest

from tests.operations.metrics_text import scrape, value
from workloads.lifecycle.delete_request import request_delete
from workloads.models import Workload
from workloads.status import WorkloadStatus
from workloads.sync.refresh import refresh_cluster

from .conftest import make_workload, run_in_cluster, wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def token(settings):
    settings.METRICS_TOKEN = "scrape-token"


def test_a_refresh_moves_the_refresh_and_workload_figures(client, sim, sim_cluster, vision):
    workload = make_workload(sim_cluster, vision)
    run_in_cluster(sim, workload, pod_annotations={"kubesim.io/start-seconds": "1"})
    sim.advance(3)
    before = scrape(client)
    assert value(before, "devcenter_workloads", project="vision", status="added") == 1

    refresh_cluster(sim_cluster.id)

    after = scrape(client)
    assert value(after, "devcenter_workloads", project="vision", status="running") == 1
    assert value(after, "devcenter_workloads", project="vision", status="added") == 0
    runs = value(after, "devcenter_refresh_duration_seconds_count", cluster="sim") - value(
        before, "devcenter_refresh_duration_seconds_count", cluster="sim")
    assert runs == 1
    assert value(after, "devcenter_refresh_duration_seconds_sum", cluster="sim") > value(
        before, "devcenter_refresh_duration_seconds_sum", cluster="sim")
    assert value(after, "devcenter_refresh_objects", cluster="sim") == 1  # the Job (its pod is owned)
    assert value(after, "devcenter_refreshes_total", cluster="sim", outcome="ok") - value(
        before, "devcenter_refreshes_total", cluster="sim", outcome="ok") == 1
    assert value(after, "devcenter_cluster_reachable", cluster="sim") == 1


def test_an_unreachable_cluster_is_counted_and_shown(client, kubesim, sim, sim_cluster, vision):
    before = scrape(client)
    with kubesim.outage():
        refresh_cluster(sim_cluster.id)
    after = scrape(client)
    assert value(after, "devcenter_cluster_reachable", cluster="sim") == 0
    assert value(after, "devcenter_refreshes_total", cluster="sim", outcome="unreachable") - value(
        before, "devcenter_refreshes_total", cluster="sim", outcome="unreachable") == 1


def test_a_delete_through_the_worker_moves_the_task_outcomes(client, celery_worker, sim, sim_cluster, vision):
    workload = make_workload(sim_cluster, vision)
    run_in_cluster(sim, workload, pod_annotations={"kubesim.io/start-seconds": "1"})
    sim.advance(3)
    refresh_cluster(sim_cluster.id)
    before = scrape(client)

    request_delete(Workload.objects.filter(pk=workload.pk), by_username="dev")
    wait_for(lambda: Workload.objects.get(pk=workload.pk).status == WorkloadStatus.DELETED, message="Deleted")

    def delete_counted():
        found = scrape(client)
        moved = value(found, "devcenter_task_outcomes_total", task="workloads.delete_workload", outcome="SUCCESS") - value(
            before, "devcenter_task_outcomes_total", task="workloads.delete_workload", outcome="SUCCESS")
        return found if moved == 1 else None

    after = wait_for(delete_counted, timeout=5, message="the delete task's outcome")  # counted after the commit
    assert value(after, "devcenter_workloads", project="vision", status="deleted") == 1
    assert value(after, "devcenter_workloads", project="vision", status="running") == 0
