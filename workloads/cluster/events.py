"""Kubernetes Events as devcenter keeps them: the few fields a workload's history shows. Pure.

The gateway lists a namespace's Warning Events (one paged LIST, `type=Warning`); `event_record`
reads one listed Event. Events are untrusted: a field of the wrong type reads as absent, and
one without an identity or an object it is about is left out (None).
"""

from dataclasses import dataclass
from datetime import datetime

from .times import parse_time

MESSAGE_MAX = 1000


@dataclass(frozen=True)
class EventRecord:
    uid: str  # the Event object's own uid: a repeat updates it (count, last seen)
    namespace: str  # where it was listed: only a workload in that namespace may claim it
    object_uid: str  # involvedObject.uid: what it is about
    object_kind: str
    object_name: str
    type: str
    reason: str
    message: str
    count: int
    first_seen: datetime | None
    last_seen: datetime | None


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def _text(value, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def event_record(event: dict) -> EventRecord | None:
    metadata, involved = _mapping(event.get("metadata")), _mapping(event.get("involvedObject"))
    uid, object_uid = _text(metadata.get("uid"), 36), _text(involved.get("uid"), 36)
    if not uid or not object_uid:
        return None
    series = _mapping(event.get("series"))
    count = series.get("count") if isinstance(series.get("count"), int) else event.get("count")
    first = parse_time(event.get("firstTimestamp")) or parse_time(event.get("eventTime"))
    last = parse_time(series.get("lastObservedTime")) or parse_time(event.get("lastTimestamp")) or first
    return EventRecord(
        uid=uid,
        namespace=_text(metadata.get("namespace"), 63),
        object_uid=object_uid,
        object_kind=_text(involved.get("kind"), 63),
        object_name=_text(involved.get("name"), 253),
        type=_text(event.get("type"), 20),
        reason=_text(event.get("reason"), 128),
        message=" ".join(_text(event.get("message"), MESSAGE_MAX * 2).split())[:MESSAGE_MAX],
        count=max(1, min(count, 2**31 - 1)) if isinstance(count, int) else 1,
        first_seen=first,
        last_seen=last,
    )
