"""The event recorder: core v1 Events about objects, as client-go's recorder writes them.

One Event per (object, type, reason, message, source): a repeat raises its `count` and moves
`lastTimestamp` (the recorder's aggregation), so a pod retried every round costs one object.
Events expire `EVENT_TTL` seconds after they were last seen (the apiserver's `--event-ttl`,
1 h), so the history stays bounded. events.k8s.io/v1 serves the same objects in its own shape
(`as_events_v1`).
"""

from __future__ import annotations

import hashlib
from collections import deque

from kubesim.clock import parse_rfc3339, rfc3339
from kubesim.errors import ApiError
from kubesim.resources import resource_for_kind

EVENT = resource_for_kind("Event")
EVENT_TTL = 3600.0
NORMAL, WARNING = "Normal", "Warning"


def event_fields(event: dict) -> dict:
    """What an Event's field selectors can name (the server's selectable fields), kept on the
    stored entry: a LIST of `type=Warning` over many Events then decodes none of them."""
    metadata, involved = event.get("metadata") or {}, event.get("involvedObject") or {}
    return {
        "metadata": {"name": metadata.get("name"), "namespace": metadata.get("namespace")},
        "involvedObject": {key: involved.get(key) for key in
                           ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")},
        "reason": event.get("reason"), "type": event.get("type"), "source": (event.get("source") or {}).get("component"),
        "reportingComponent": event.get("reportingComponent"),
    }


def event_name(obj: dict, key: str) -> str:
    """`<object>.<hex>` as the recorder names them; the hex is the aggregation key's hash, so a
    repeat finds its Event without a scan."""
    return f"{obj['metadata']['name']}.{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def involved_object(obj: dict) -> dict:
    metadata = obj["metadata"]
    return {"kind": obj.get("kind", ""), "namespace": metadata.get("namespace", ""), "name": metadata["name"],
            "uid": metadata.get("uid", ""), "apiVersion": obj.get("apiVersion", "v1"),
            "resourceVersion": metadata.get("resourceVersion", "")}


class EventRecorder:
    def __init__(self, api, clock):
        self.api = api
        self.store = api.store
        self.clock = clock
        self._expiries: deque = deque()  # (due, namespace, name), oldest first

    def record(self, obj: dict, type_: str, reason: str, message: str, component: str, host: str = "") -> None:
        namespace = obj["metadata"].get("namespace") or "default"
        key = "\x00".join((obj["metadata"].get("uid", ""), type_, reason, message, component))
        name = event_name(obj, key)
        now = rfc3339(self.clock.now())
        with self.store.lock:
            current = self.store.get("Event", namespace, name)
            if current is not None:
                self.api.update(current, {"count": int(current.get("count") or 1) + 1, "lastTimestamp": now},
                                component)
            else:
                body = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": namespace},
                        "involvedObject": involved_object(obj), "type": type_, "reason": reason,
                        "message": message, "source": {"component": component, **({"host": host} if host else {})},
                        "count": 1, "firstTimestamp": now, "lastTimestamp": now, "eventTime": None,
                        "reportingComponent": component, "reportingInstance": host}
                try:
                    self.api.create(EVENT, namespace, body, manager=component)
                except ApiError:  # a terminating namespace takes no new events
                    return
            self._expiries.append((self.clock.now() + EVENT_TTL, namespace, name))

    def expire(self, now: float) -> None:
        """Remove the Events not seen again for `EVENT_TTL` seconds."""
        while self._expiries and self._expiries[0][0] <= now:
            _, namespace, name = self._expiries.popleft()
            entry = self.store.get("Event", namespace, name)
            if entry is None:
                continue
            last = entry.get("lastTimestamp") or entry["metadata"].get("creationTimestamp")
            if last and parse_rfc3339(last) + EVENT_TTL <= now:
                self.store.remove("Event", namespace, name)


def _micro(timestamp: str | None) -> str | None:
    return timestamp.replace("Z", ".000000Z") if isinstance(timestamp, str) and timestamp.endswith("Z") else timestamp


def as_events_v1(core: dict) -> dict:
    """A core v1 Event in the events.k8s.io/v1 shape (regarding, note, deprecated* counters)."""
    metadata = core.get("metadata") or {}
    source = core.get("source") or {}
    return {
        "kind": "Event", "apiVersion": "events.k8s.io/v1", "metadata": metadata,
        # The legacy recorder leaves eventTime null; the typed v1 model requires one.
        "eventTime": core.get("eventTime") or _micro(core.get("firstTimestamp")), "reportingController": core.get("reportingComponent")
        or source.get("component", ""), "reportingInstance": core.get("reportingInstance") or source.get("host", ""),
        "action": core.get("action", ""), "reason": core.get("reason", ""), "regarding": core.get("involvedObject"),
        "note": core.get("message", ""), "type": core.get("type", ""),
        "deprecatedSource": source, "deprecatedFirstTimestamp": core.get("firstTimestamp"),
        "deprecatedLastTimestamp": core.get("lastTimestamp"), "deprecatedCount": core.get("count"),
    }


# events.k8s.io/v1 field selectors name the new fields; the store holds core Events.
V1_FIELDS = {"regarding": "involvedObject", "note": "message", "reportingController": "reportingComponent"}
