"""`make run`'s demo: the seeded workloads get objects in the simulated clusters, so refreshes
keep showing a workload of every status (but the passing Deleting) instead of finding them gone;
and one node is lost, as a real cluster shows it."""

import pytest
from django.core.management import call_command
from kubesim.testing import running_kubesim

from projects.models import Cluster
from tests.conftest import record_published
from workloads import task_names
from workloads.lifecycle.launch_execute import create_workload as run_create_task
from workloads.models import Workload
from workloads.status import WorkloadStatus
from workloads.sync.refresh import refresh_cluster

pytestmark = pytest.mark.django_db


def test_demo_statuses_survive_refreshes(tmp_path, monkeypatch, django_capture_on_commit_callbacks):
    call_command("seed_demo", verbosity=0)
    queued = record_published(monkeypatch, task_names.CREATE_WORKLOAD)  # no worker here
    with running_kubesim(nodes=4) as east, running_kubesim(nodes=2) as west:
        for handle, name in ((east, "east"), (west, "west")):
            Cluster.objects.filter(name=name).update(kubeconfig=handle.kubeconfig_path, context="kubesim")
        with django_capture_on_commit_callbacks(execute=True):
            call_command("demo_cluster", verbosity=0)
            call_command("demo_cluster", verbosity=0)  # idempotent: nothing is created (or queued) twice
        added = Workload.objects.get(project__name="vision", status=WorkloadStatus.ADDED)
        assert queued == [added.pk]  # the Added demo workload's create, as a launch queues it
        assert east.sim.count("Job") == len({j["metadata"]["name"] for j in east.sim.list("Job")})
        for handle in (east, west):
            handle.sim.advance(10)
        for cluster in Cluster.objects.all():
            assert refresh_cluster(cluster.id).reachable

        statuses = set(Workload.objects.filter(project__name="vision").values_list("status", flat=True))
        assert statuses == set(WorkloadStatus.values) - {WorkloadStatus.DELETING}
        assert Workload.objects.filter(project__name="vision", type="custom").count() == 1  # no duplicate
        east_row = Cluster.objects.get(name="east")
        assert (east_row.capacity_gpu, east_row.reachable) == (32, True)  # read from the simulated nodes

        # One running job's node stopped reporting: 40 s later it is Unknown and out of the
        # capacity, and the job runs on as far as anyone can tell.
        running = Workload.objects.get(name="segmenter-train").status
        east.sim.advance(45)
        nodes = east.sim.list("Node")
        assert [{c["type"]: c["status"] for c in n["status"]["conditions"]}["Ready"] for n in nodes].count("Unknown") == 1
        assert refresh_cluster(east_row.id).reachable
        east_row.refresh_from_db()
        assert east_row.capacity_gpu == 24
        assert Workload.objects.get(name="segmenter-train").status == running == WorkloadStatus.RUNNING

        # The worker's part: the queued create runs, and the Added workload moves on.
        run_create_task(added.pk, attempt=1, final_attempt=True)
        assert Workload.objects.get(pk=added.pk).status == WorkloadStatus.PENDING
        east.sim.advance(10)
        assert refresh_cluster(east_row.id).reachable
        assert Workload.objects.get(pk=added.pk).status == WorkloadStatus.RUNNING
