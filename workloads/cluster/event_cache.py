"""What the Events watch of one cluster has seen: its Warning Events, kept current. Pure: no I/O.

The Events informer fills it like the kinds' `ObjectCache`: `replace` after a LIST (what differs
from what was held counts as changed), `apply` for each watch event. The watcher takes the
changed Events (`take_changes`) and asks for every held Event about the objects of the
workloads they concern (`about`): the dominant reason is chosen from all of them, as the
refresh chooses it from its LIST.
"""

import threading
from collections import defaultdict
from collections.abc import Iterable

from .events import EventRecord


class EventCache:
    """Warning Events by uid, and by the uid of the object they are about; thread-safe. Only
    those listed or watched in `namespaces` are held (the watch covers every namespace)."""

    def __init__(self, namespaces: Iterable[str]):
        self.namespaces = frozenset(namespaces)
        self._lock = threading.Lock()
        self._events: dict[str, EventRecord] = {}
        self._about: dict[str, set[str]] = defaultdict(set)  # involvedObject uid -> Event uids
        self._changed: list[EventRecord] = []

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)

    def replace(self, kind: str, events: Iterable[EventRecord]) -> int:
        """The held Events are now exactly `events` (a fresh LIST; `kind` is the informer's name,
        unused); how many changed."""
        listed = {event.uid: event for event in events if event.namespace in self.namespaces}
        with self._lock:
            changed = [event for uid, event in listed.items() if self._events.get(uid) != event]
            gone = [event for uid, event in self._events.items() if uid not in listed]
            for event in gone:
                self._forget(event)
            for event in changed:
                self._store(event)
            self._changed.extend(changed + gone)
        return len(changed) + len(gone)

    def apply(self, event_type: str, event: EventRecord) -> None:
        """One watch event: ADDED or MODIFIED stores the Event, DELETED forgets it (expired)."""
        if event.namespace not in self.namespaces:
            return
        with self._lock:
            if event_type == "DELETED":
                held = self._events.get(event.uid)
                if held is not None:
                    self._forget(held)
            else:
                self._store(event)
            self._changed.append(event)

    def _store(self, event: EventRecord) -> None:
        held = self._events.get(event.uid)
        if held is not None:
            self._forget(held)
        self._events[event.uid] = event
        self._about[event.object_uid].add(event.uid)

    def _forget(self, event: EventRecord) -> None:
        self._events.pop(event.uid, None)
        uids = self._about.get(event.object_uid)
        if uids is not None:
            uids.discard(event.uid)
            if not uids:
                del self._about[event.object_uid]

    def about(self, object_uids: Iterable[str]) -> list[EventRecord]:
        """Every held Event about one of these objects."""
        with self._lock:
            return [self._events[uid] for object_uid in set(object_uids) for uid in self._about.get(object_uid, ())]

    def pending(self) -> int:
        with self._lock:
            return len(self._changed)

    def take_changes(self) -> list[EventRecord]:
        with self._lock:
            changed, self._changed = self._changed, []
        return changed

    def give_back(self, changed: list[EventRecord]) -> None:
        with self._lock:
            self._changed[:0] = changed
