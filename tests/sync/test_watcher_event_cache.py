"""The watcher's EventCache: held Events by what they are about, changes counted as the
ObjectCache counts them, other namespaces' Events never held."""

from workloads.cluster.event_cache import EventCache
from workloads.cluster.events import EventRecord


def event(uid, about="pod-1", namespace="vision", count=1) -> EventRecord:
    return EventRecord(uid=uid, namespace=namespace, object_uid=about, object_kind="Pod", object_name="p",
                       type="Warning", reason="BackOff", message="m", count=count, first_seen=None, last_seen=None)


def test_a_relist_counts_only_what_differs_and_what_is_gone():
    cache = EventCache(["vision"])
    assert cache.replace("Event", [event("a"), event("b", about="pod-2")]) == 2
    cache.take_changes()
    assert cache.replace("Event", [event("a", count=2)]) == 2  # a moved, b expired
    assert {e.uid for e in cache.take_changes()} == {"a", "b"}
    assert cache.about(["pod-1", "pod-2"]) == [event("a", count=2)]


def test_watch_events_update_and_forget():
    cache = EventCache(["vision"])
    cache.apply("ADDED", event("a"))
    cache.apply("MODIFIED", event("a", count=3))
    assert cache.about(["pod-1"]) == [event("a", count=3)]
    cache.apply("DELETED", event("a", count=3))
    assert cache.about(["pod-1"]) == [] and len(cache) == 0
    assert cache.pending() == 3


def test_another_namespaces_events_are_not_held():
    cache = EventCache(["vision"])
    cache.apply("ADDED", event("x", namespace="nlp"))
    assert cache.replace("Event", [event("y", namespace="default")]) == 0
    assert len(cache) == 0 and cache.pending() == 0
