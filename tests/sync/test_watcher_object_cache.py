"""The watcher's object cache (pure): a relist's differences are the changes, `related` finds a
workload's objects through owners and labels and nothing else, an object whose owner has not
come in yet waits for it; the informers' back-off stays under its cap, jittered."""

import random

from workloads.cluster.informer import backoff_delay
from workloads.cluster.object_cache import ObjectCache


def obj(kind, name, uid, *, namespace="vision", workload=None, owner=None, phase=None):
    labels = {"devcenter.io/project": "vision"}
    if workload:
        labels["devcenter.io/workload-id"] = workload
    metadata = {"name": name, "namespace": namespace, "uid": uid, "labels": labels}
    if owner:
        metadata["ownerReferences"] = [{"kind": owner[0], "uid": owner[1], "controller": True}]
    return {"kind": kind, "metadata": metadata, "status": {"phase": phase} if phase else {}}


def names(found):
    return sorted(o["metadata"]["name"] for o in found.values())


def test_a_relist_counts_only_what_differs_as_changes():
    cache = ObjectCache()
    a, b = obj("Pod", "a", "u-a", phase="Running"), obj("Pod", "b", "u-b", phase="Running")
    assert cache.replace("Pod", [a, b]) == 2
    cache.take_changes()
    assert cache.replace("Pod", [a, b]) == 0 and cache.take_changes() == []
    b_done = obj("Pod", "b", "u-b", phase="Succeeded")
    assert cache.replace("Pod", [b_done]) == 2  # a gone, b changed
    changed = cache.take_changes()
    assert [c["metadata"]["name"] for c in changed].count("b") == 2  # old and new version of b
    assert cache.get("u-a") is None and cache.get("u-b") == b_done


def test_related_follows_owners_and_labels_not_neighbours():
    cache = ObjectCache()
    for o in (
        obj("Deployment", "web", "d1", workload="7"),
        obj("ReplicaSet", "web-1", "r1", workload="7", owner=("Deployment", "d1")),
        obj("Pod", "web-1-x", "p1", owner=("ReplicaSet", "r1")),  # unlabelled: found as owned
        obj("Service", "web", "s1", workload="7"),
        obj("Job", "other", "j2", workload="8"),
        obj("Job", "elsewhere", "j3", namespace="nlp", workload="7"),  # same label, other namespace
    ):
        cache.apply("ADDED", o)
    pod = cache.get("p1")
    assert names(cache.related([pod])) == ["web", "web", "web-1", "web-1-x"]
    gone = obj("Pod", "gone", "p9", owner=("ReplicaSet", "r1"))  # not held: its owner's family
    assert names(cache.related([gone])) == ["web", "web", "web-1", "web-1-x"]
    assert names(cache.related(keys=[("Job", "vision", "other")])) == ["other"]
    assert names(cache.related(label_keys=[("nlp", "7")])) == ["elsewhere"]


def test_an_object_waits_a_moment_for_an_owner_not_yet_in():
    cache = ObjectCache()
    cache.apply("ADDED", obj("Pod", "early", "p1", workload="7", owner=("Job", "j1")))
    found = cache.related([cache.get("p1")])
    assert cache.awaiting_owner(found, {"Job"}, grace=5.0).keys() == {"p1"}
    assert cache.awaiting_owner(found, {"Job"}, grace=0.0) == {}  # the grace is over
    assert cache.awaiting_owner(found, {"Deployment"}, grace=5.0) == {}  # an owner kind not watched
    cache.apply("ADDED", obj("Job", "train", "j1", workload="7"))
    assert cache.awaiting_owner(cache.related([cache.get("p1")]), {"Job"}, grace=5.0) == {}


def test_changes_given_back_are_taken_again_first():
    cache = ObjectCache()
    cache.apply("ADDED", obj("Job", "a", "j1"))
    taken = cache.take_changes()
    cache.apply("ADDED", obj("Job", "b", "j2"))
    cache.give_back(taken)
    assert [c["metadata"]["name"] for c in cache.take_changes()] == ["a", "b"]
    cache.apply("DELETED", obj("Job", "a", "j1"))
    assert len(cache) == 1 and [c["metadata"]["name"] for c in cache.take_changes()] == ["a"]


def test_backoff_is_jittered_below_a_growing_cap():
    rng = random.Random(1)
    delays = [backoff_delay(attempt, first=0.5, cap=30, rng=rng) for attempt in range(12) for _ in range(20)]
    assert all(0 <= d <= 30 for d in delays)
    assert max(backoff_delay(0, first=0.5, cap=30, rng=rng) for _ in range(50)) <= 0.5
    assert len({round(d, 6) for d in delays}) > 200  # not in step
    assert max(delays[-20:]) > 5  # grown toward the cap
