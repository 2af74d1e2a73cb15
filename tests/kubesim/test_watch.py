"""WATCH: event stream, resume from resourceVersion, 410 Expired, timeoutSeconds, bookmarks,
selectors."""

import json
import threading
import time
import urllib.request

import pytest
from kubernetes import watch
from kubernetes.client.exceptions import ApiException


def cm(name, labels=None):
    return {"kind": "ConfigMap", "metadata": {"name": name, "namespace": "default", "labels": labels or {}}}


def test_watch_from_now_sees_added_modified_deleted(core, sim):
    listed = core.list_namespaced_config_map("default")

    def writer():
        time.sleep(0.3)
        sim.create(cm("x"))
        sim.patch("ConfigMap", "default", "x", {"data": {"k": "v"}})
        sim.delete("ConfigMap", "default", "x")

    threading.Thread(target=writer).start()
    events = []
    stream = watch.Watch()
    for event in stream.stream(core.list_namespaced_config_map, "default",
                               resource_version=listed.metadata.resource_version, timeout_seconds=2):
        events.append((event["type"], event["object"].metadata.name))
        if len(events) == 3:
            stream.stop()
    assert events == [("ADDED", "x"), ("MODIFIED", "x"), ("DELETED", "x")]


def test_watch_without_resource_version_starts_with_current_objects(core, sim):
    sim.create(cm("existing"))
    events = [(e["type"], e["object"].metadata.name)
              for e in watch.Watch().stream(core.list_namespaced_config_map, "default", timeout_seconds=1)]
    assert events == [("ADDED", "existing")]


def test_resume_from_resource_version_replays_history(core, sim):
    start = core.list_namespaced_config_map("default").metadata.resource_version
    sim.create(cm("one"))
    sim.create(cm("two"))
    events = [(e["type"], e["object"].metadata.name) for e in watch.Watch().stream(
        core.list_namespaced_config_map, "default", resource_version=start, timeout_seconds=1)]
    assert events == [("ADDED", "one"), ("ADDED", "two")]


def test_too_old_resource_version_gives_410_error_event(kubesim, core, sim):
    start = core.list_namespaced_config_map("default").metadata.resource_version
    sim.create(cm("one"))
    sim.compact()
    request = urllib.request.Request(
        f"{kubesim.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={start}",
        headers={"Authorization": f"Bearer {kubesim.token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        lines = [json.loads(line) for line in response.read().splitlines() if line.strip()]
    assert lines[0]["type"] == "ERROR"
    assert lines[0]["object"]["code"] == 410 and lines[0]["object"]["reason"] == "Expired"
    # The client's Watch turns it into an ApiException(410).
    with pytest.raises(ApiException) as excinfo:
        list(watch.Watch().stream(core.list_namespaced_config_map, "default", resource_version=start,
                                  timeout_seconds=1))
    assert excinfo.value.status == 410


def test_timeout_seconds_ends_the_stream(core):
    started = time.monotonic()
    events = list(watch.Watch().stream(core.list_namespaced_config_map, "default",
                                       resource_version="1", timeout_seconds=1))
    assert 0.9 <= time.monotonic() - started < 3
    assert events == []


def test_bookmarks_when_allowed(kubesim, sim):
    sim.bookmark_interval = 0.2
    rv = sim.store.resource_version
    request = urllib.request.Request(
        f"{kubesim.url}/api/v1/namespaces/default/pods?watch=1&resourceVersion={rv}&allowWatchBookmarks=true"
        "&timeoutSeconds=1", headers={"Authorization": f"Bearer {kubesim.token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        lines = [json.loads(line) for line in response.read().splitlines() if line.strip()]
    assert lines and all(line["type"] == "BOOKMARK" for line in lines)
    assert lines[0]["object"]["metadata"]["resourceVersion"] == str(rv)


def test_label_selector_applies_to_watch_and_leaving_is_deleted(core, sim):
    start = core.list_namespaced_config_map("default").metadata.resource_version
    sim.create(cm("in", {"team": "a"}))
    sim.create(cm("out", {"team": "b"}))
    sim.patch("ConfigMap", "default", "in", {"metadata": {"labels": {"team": "c"}}})
    events = [(e["type"], e["object"].metadata.name) for e in watch.Watch().stream(
        core.list_namespaced_config_map, "default", label_selector="team=a", resource_version=start,
        timeout_seconds=1)]
    assert events == [("ADDED", "in"), ("DELETED", "in")]


def test_watch_keeps_connection_reusable(core, sim):
    list(watch.Watch().stream(core.list_namespaced_config_map, "default", timeout_seconds=1))
    assert core.list_namespaced_config_map("default").items == []


def test_drop_watches_cuts_open_streams_mid_way(kubesim, sim):
    """`sim.drop_watches()` (a test hook) breaks each open watch without the stream's last
    chunk, as a lost connection does; the history is kept, so a watch from the same
    resourceVersion replays what happened meanwhile."""
    rv = sim.store.resource_version
    url = f"{kubesim.url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={rv}&timeoutSeconds=30"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {kubesim.token}"})
    outcome = {}

    def read():
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                outcome["lines"] = response.read()
        except Exception as exc:  # noqa: BLE001 - which error is the point
            outcome["error"] = exc

    reader = threading.Thread(target=read)
    reader.start()
    deadline = time.monotonic() + 5
    while not sim.store._watchers and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sim.drop_watches() == 1
    reader.join(5)
    assert not reader.is_alive()
    assert "error" in outcome  # IncompleteRead: the chunked stream never ended properly
    sim.create(cm("meanwhile"))
    again = urllib.request.Request(url.replace("timeoutSeconds=30", "timeoutSeconds=1"), headers=request.headers)
    with urllib.request.urlopen(again, timeout=5) as response:
        events = [json.loads(line) for line in response.read().splitlines() if line.strip()]
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "meanwhile")]
