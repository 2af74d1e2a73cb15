"""Warning Events as the watcher reads them: one LIST across namespaces with `type=Warning`
(Normal ones left out by the server), then a WATCH from its resourceVersion that brings a new
Warning Event as the recorder writes it."""

import uuid

from .conftest import raw


def event(namespace: str, type_: str, reason: str) -> dict:
    return {
        "metadata": {"name": f"e-{uuid.uuid4().hex[:10]}"},
        "involvedObject": {"kind": "Pod", "namespace": namespace, "name": "p", "uid": str(uuid.uuid4()),
                           "apiVersion": "v1"},
        "type": type_, "reason": reason, "message": f"{reason} happened", "count": 1,
        "source": {"component": "contract"},
        "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:00:00Z",
    }


def create(gateway, namespace, body) -> dict:
    status, created = raw(gateway, "POST", f"/api/v1/namespaces/{namespace}/events", body)
    assert status == 201, created
    return created


def test_warning_events_are_listed_across_namespaces_then_watched(gateway, namespace):
    warning = create(gateway, namespace, event(namespace, "Warning", "BackOff"))
    normal = create(gateway, namespace, event(namespace, "Normal", "Pulled"))
    records, version = gateway.list_all_warning_events(page_size=2)
    uids = {record.uid for record in records}
    assert warning["metadata"]["uid"] in uids and normal["metadata"]["uid"] not in uids
    assert version

    later = create(gateway, namespace, event(namespace, "Warning", "FailedMount"))
    create(gateway, namespace, event(namespace, "Normal", "Scheduled"))
    seen = []
    for change in gateway.watch_warning_events(version, timeout_seconds=3):
        if change.object is not None:
            seen.append((change.type, change.object.reason, change.object.namespace))
            if change.object.uid == later["metadata"]["uid"]:
                break
    assert ("ADDED", "FailedMount", namespace) in seen
    assert all(reason != "Scheduled" for _, reason, _ in seen)
