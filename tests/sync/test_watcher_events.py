"""The watcher watches the Warning Events too: a workload's dominant reason and Event history
change within seconds of the Event, through the refresh's diagnosis path and with no LIST in
between; an Event counts only in the workload's own namespace."""

from tests.tasks.test_refresh_explains_waiting import SERVICE, launch
from workloads.models import Workload, WorkloadEvent, WorkloadType


def why_of(workload) -> str:
    return Workload.objects.values_list("why", flat=True).get(pk=workload.pk)


def lists(sim):
    return [r for r in sim.requests if r.method == "GET" and not r.is_watch]


def test_an_image_that_does_not_exist_is_explained_from_the_watch(sim, sim_cluster, vision, watching):
    watching.synced(sim_cluster)  # watching an empty namespace: the pod comes later
    # One watch of the cluster's Warning Events, across namespaces.
    assert sim.requests.count("GET", "/api/v1/events", watch="true", fieldSelector="type=Warning") == 1
    image = "registry.example.com/does-not-exist:latest"
    sim.reset_requests()
    workload = launch(sim, sim_cluster, vision, name="serve", type_=WorkloadType.INFERENCE,
                      spec={**SERVICE, "image": image})
    sim.advance(2)  # the kubelet fails to pull: Failed / BackOff Events about the pod
    watching.until(lambda: why_of(workload) == f"Image not found: {image}. Check the image name.",
                   message="the reason from the watch")
    assert WorkloadEvent.objects.filter(workload=workload, object_kind="Pod").exists()  # its history too
    assert lists(sim) == []  # by the watches alone


def test_events_missed_while_the_history_expired_are_listed_again(kubesim, sim, sim_cluster, vision, watching):
    watch = watching.synced(sim_cluster)
    events_informer = watch.informers[-1]
    image = "registry.example.com/does-not-exist:2"
    with kubesim.outage():
        workload = launch(sim, sim_cluster, vision, name="serve", type_=WorkloadType.INFERENCE,
                          spec={**SERVICE, "image": image})
        sim.advance(2)
        sim.compact()  # watching the Events from before is now 410 Gone
    # The pod's own watch may bring the reason first (its container state says it): wait for
    # the Events' relist too, then their history.
    watching.until(lambda: why_of(workload) == f"Image not found: {image}. Check the image name.", timeout=45,
                   message="the reason after the relist")
    watching.until(lambda: events_informer.lists == 2, timeout=45, message="the Events listed again after 410")
    watching.until(lambda: WorkloadEvent.objects.filter(workload=workload, object_kind="Pod").exists(), timeout=45,
                   message="the missed Events stored")
    assert events_informer.lists == 2  # the first LIST, and the one after 410: no more


def warning_about(pod: dict, namespace: str, name: str, reason: str) -> dict:
    return {
        "apiVersion": "v1", "kind": "Event", "type": "Warning", "reason": reason, "count": 1,
        "message": f"{reason} for {pod['metadata']['name']}",
        "metadata": {"name": name, "namespace": namespace},
        "involvedObject": {"kind": "Pod", "name": pod["metadata"]["name"], "namespace": namespace,
                           "uid": pod["metadata"]["uid"], "apiVersion": "v1"},
        "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:00:00Z",
    }


def test_an_event_counts_only_in_the_workloads_own_namespace(sim, sim_cluster, vision, watching):
    workload = launch(sim, sim_cluster, vision, name="train")
    sim.advance(3)
    watching.synced(sim_cluster)
    (pod,) = sim.list("Pod", "vision")
    sim.create(warning_about(pod, "nlp", "forged", "ForgedElsewhere"))  # names vision's pod, from nlp
    sim.create(warning_about(pod, "vision", "real", "FailedMount"))
    watching.until(lambda: WorkloadEvent.objects.filter(workload=workload, reason="FailedMount").exists(),
                   message="the namespace's own Event")
    watching.turn(0.3)
    assert not WorkloadEvent.objects.filter(reason="ForgedElsewhere").exists()
