"""The watcher loses no change when its watches break: it resumes from its last resourceVersion
after a dropped connection, lists again after 410 Gone, marks the cluster unreachable meanwhile;
with nothing changing it makes no LIST call at all."""

from projects.models import Cluster
from tests.sync.watching import RUN, make_workload, run_in_cluster, status_of
from tests.tasks.test_refresh_custom_workloads import labelled_job
from workloads.models import Workload, WorkloadType
from workloads.status import WorkloadStatus


def lists(sim):
    """LIST calls (GETs of a collection that are no watch) since the last reset."""
    return [r for r in sim.requests if r.method == "GET" and not r.is_watch and r.path.count("/") >= 3]


def changes_while_down(sim, sim_cluster, vision):
    """Two running workloads, then: one finishes, the other's Job is removed, a Custom one appears."""
    finishing = make_workload(sim_cluster, vision, name="finishing")
    removed = make_workload(sim_cluster, vision, name="removed")
    run_in_cluster(sim, finishing, pod_annotations={"kubesim.io/start-seconds": "1", "kubesim.io/run-seconds": "20"})
    (job,) = run_in_cluster(sim, removed, pod_annotations={"kubesim.io/start-seconds": "1"})
    sim.advance(3)

    def make_changes():
        sim.advance(30)  # `finishing` completes
        sim.delete("Job", "vision", job["metadata"]["name"], propagation_policy="Background")
        sim.advance(5)
        sim.create(labelled_job("by-hand"))

    def all_stored():
        return (
            status_of(finishing) == WorkloadStatus.COMPLETE
            and status_of(removed) == WorkloadStatus.DELETED
            and Workload.objects.filter(type=WorkloadType.CUSTOM, name="by-hand").exists()
        )

    return (finishing, removed), make_changes, all_stored


def test_resume_after_410_gone_loses_no_change(kubesim, sim, sim_cluster, vision, watching):
    (finishing, removed), make_changes, all_stored = changes_while_down(sim, sim_cluster, vision)
    watch = watching.synced(sim_cluster)
    assert status_of(finishing) == status_of(removed) == WorkloadStatus.RUNNING
    initial_lists = watch.lists

    with kubesim.outage():  # connections cut, then refused
        watching.until(
            lambda: "cannot connect" in Cluster.objects.get(pk=sim_cluster.pk).last_error, message="unreachable"
        )
        assert not Cluster.objects.get(pk=sim_cluster.pk).reachable
        make_changes()
        sim.compact()  # the history of what happened meanwhile is gone: watching from before is 410

    watching.until(all_stored, timeout=45, message="every change of the outage")
    assert watch.lists > initial_lists  # listed again after 410
    watching.until(lambda: Cluster.objects.get(pk=sim_cluster.pk).reachable, message="reachable again")
    assert Cluster.objects.get(pk=sim_cluster.pk).last_error == ""
    watching.turn(0.3)
    assert Workload.objects.filter(type=WorkloadType.CUSTOM).count() == 1


def test_resume_after_a_dropped_connection_loses_no_change(sim, sim_cluster, vision, watching):
    (finishing, removed), make_changes, all_stored = changes_while_down(sim, sim_cluster, vision)
    watch = watching.synced(sim_cluster)
    watching.until(lambda: sim.open_watches() >= len(watch.informers), message="every watch open")
    sim.reset_requests()
    sim.faults.add(method="GET", drop=True, times=None)  # every reconnect fails for a while
    assert sim.drop_watches() >= len(watch.informers)
    make_changes()
    watching.turn(1.0)
    assert status_of(finishing) == WorkloadStatus.RUNNING  # nothing came through
    assert sim.requests.count(method="GET") > 0  # they tried (and were dropped)
    sim.faults.clear()

    watching.until(all_stored, timeout=45, message="every change made while dropped")
    assert lists(sim) == []  # resumed from the last resourceVersion: no LIST needed


def test_no_list_calls_while_nothing_changes(settings, sim, sim_cluster, vision, watching):
    settings.WATCH_TIMEOUT_SECONDS = 1  # each watch ends after a second and is made again
    workload = make_workload(sim_cluster, vision)
    run_in_cluster(sim, workload, pod_annotations=RUN)
    watch = watching.synced(sim_cluster)
    sim.reset_requests()
    watching.turn(3.5)
    watches = [r for r in sim.requests if r.is_watch]
    assert lists(sim) == []
    assert len(watches) >= 2 * len(watch.informers)  # watched again, from the bookmarks' versions
    assert all(r.query.get("resourceVersion") not in (None, "", "0") for r in watches)


def test_reconnects_back_off_while_the_cluster_drops_every_request(sim, sim_cluster, vision, watching):
    watch = watching.synced(sim_cluster)
    # Listed is not yet watching: every informer's watch must be open before the cut.
    watching.until(lambda: sim.open_watches() >= len(watch.informers), message="every watch open")
    sim.faults.add(method="GET", drop=True, times=None)
    sim.reset_requests()
    assert sim.drop_watches() >= len(watch.informers)
    watching.turn(4.0)
    sim.faults.clear()
    per_informer = sim.requests.count(method="GET") / len(watch.informers)
    # Capped exponential back-off with jitter from 0.5 s: about 4 tries each in 4 s; starting
    # from 0.1 ms instead made 16, reconnecting at once would make hundreds.
    assert 1 <= per_informer <= 10, per_informer
    assert not Cluster.objects.get(pk=sim_cluster.pk).reachable
    watching.until(lambda: Cluster.objects.get(pk=sim_cluster.pk).reachable, timeout=45, message="reachable again")
