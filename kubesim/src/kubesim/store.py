"""Object storage: one global resourceVersion counter, indexes, and the watch event history.

Objects are held as their JSON bytes (serialized once, at write time) plus the few fields the
indexes and selectors need. LIST and GET answer with those bytes as they are; `Entry.obj`
decodes a fresh dict on each call, so readers can never change what is stored, and memory
stays about a third of holding the dicts.
"""

from __future__ import annotations

import heapq
import json
import queue
import threading
from collections import deque
from dataclasses import dataclass

from kubesim.selectors import FieldRequirement, Requirement, fields_match, labels_match


def dumps(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


class Entry:
    """One stored version of an object."""

    __slots__ = ("raw", "namespace", "name", "uid", "labels", "owners", "summary")

    def __init__(self, obj: dict, summary=None):
        self.raw = dumps(obj)
        metadata = obj["metadata"]
        self.namespace = metadata.get("namespace", "")
        self.name = metadata["name"]
        self.uid = metadata.get("uid", "")
        self.labels = dict(metadata.get("labels") or ())
        # (kind, name, uid) of each owner: garbage collection and controllers' work queue
        self.owners = tuple((ref.get("kind"), ref.get("name"), ref.get("uid"))
                            for ref in metadata.get("ownerReferences") or ())
        self.summary = summary  # what a listener needs without decoding (the scheduler: a pod's node)

    @property
    def fields(self) -> dict:
        """What field selectors read: a kind's decoded selectable fields, else the whole object."""
        return self.summary if isinstance(self.summary, dict) else self.obj

    @property
    def obj(self) -> dict:
        """A new dict each time (the caller may keep or change it)."""
        return json.loads(self.raw)


@dataclass(frozen=True)
class Event:
    type: str  # ADDED, MODIFIED, DELETED
    kind: str
    rv: int
    entry: Entry
    old: Entry | None  # previous version, so a watch with a selector can tell "left the selection"


class Expired(Exception):
    """The requested resourceVersion is older than the retained history."""


class Watcher:
    """A subscription to events of one kind; events arrive on `queue` (None = closed)."""

    def __init__(self, kind: str):
        self.kind = kind
        self.queue: queue.Queue = queue.Queue()
        self.dropped = False  # set by `Store.drop_watches`: the stream ends without a goodbye


class Store:
    def __init__(self, history_size: int = 50_000, summaries: dict | None = None):
        """summaries: kind -> function(obj) kept on each stored version (`Entry.summary`)."""
        self.lock = threading.RLock()
        self._summaries = summaries or {}
        self._rv = 0
        # kind -> namespace ("" when cluster-scoped) -> name -> Entry
        self._objects: dict[str, dict[str, dict[str, Entry]]] = {}
        # kind -> (label key, value) -> {(namespace, name)}: equality selectors without a scan
        self._labels: dict[str, dict[tuple[str, str], set]] = {}
        # owner uid -> {(kind, namespace, name)}: garbage collection and controllers
        self._dependents: dict[str, set] = {}
        self._history: deque[Event] = deque(maxlen=history_size)
        self._floor = 0  # events with rv <= floor are no longer in the history
        # Continue tokens from before this rv are expired. Only compaction moves it (not the
        # bounded watch history), so long paged LISTs survive heavy write traffic.
        self.continue_floor = 0
        self._watchers: set[Watcher] = set()
        self._listeners: list = []

    # --- reads ------------------------------------------------------------------------

    @property
    def resource_version(self) -> int:
        return self._rv

    def get(self, kind: str, namespace: str, name: str) -> dict | None:
        entry = self._objects.get(kind, {}).get(namespace, {}).get(name)
        return entry.obj if entry else None

    def get_entry(self, kind: str, namespace: str, name: str) -> Entry | None:
        return self._objects.get(kind, {}).get(namespace, {}).get(name)

    def names(self, kind: str, namespace: str) -> list[str]:
        """Names of the `kind` objects in `namespace`, without decoding them."""
        with self.lock:
            return list(self._objects.get(kind, {}).get(namespace, ()))

    def namespaced_kinds(self, namespace: str) -> list[str]:
        """Kinds with at least one object in `namespace`."""
        with self.lock:
            return [kind for kind, by_namespace in self._objects.items() if by_namespace.get(namespace)]

    def count(self, kind: str | None = None) -> int:
        with self.lock:
            kinds = [kind] if kind else list(self._objects)
            return sum(len(names) for k in kinds for names in self._objects.get(k, {}).values())

    def kinds(self) -> list[str]:
        with self.lock:
            return list(self._objects)

    def list_entries(
        self,
        kind: str,
        namespace: str | None = None,
        labels: list[Requirement] | None = None,
        fields: list[FieldRequirement] | None = None,
        after: tuple[str, str] | None = None,
        limit: int | None = None,
    ) -> tuple[list[tuple[tuple[str, str], Entry]], int, int | None]:
        """Matching entries in (namespace, name) order after `after`: at most limit + 1 of them
        (the extra one tells the caller there is more), the resourceVersion they were read at,
        and how many remain after the first `limit` (None when selectors make that unknown,
        as the real server omits remainingItemCount then)."""
        labels, fields = labels or [], fields or []
        with self.lock:
            by_namespace = self._objects.get(kind, {})
            candidates = self._indexed_candidates(kind, labels)
            if candidates is not None:
                keys = list(candidates) if namespace is None else [k for k in candidates if k[0] == namespace]
            elif namespace is not None:
                keys = [(namespace, name) for name in by_namespace.get(namespace, ())]
            else:
                keys = [(ns, name) for ns, names in by_namespace.items() for name in names]
            if after is not None:
                keys = [key for key in keys if key > after]
            # With one equality requirement the index answers it exactly: no per-object check.
            exact = not fields and (not labels or (len(labels) == 1 and labels[0].op in ("=", "in")))
            if limit and exact and len(keys) > limit + 1:
                remaining = len(keys) - limit
                keys = heapq.nsmallest(limit + 1, keys)
            else:
                remaining = len(keys) - limit if limit and exact and len(keys) > limit else None
                keys.sort()
            result = []
            for key in keys:
                entry = by_namespace[key[0]][key[1]]
                if not exact and not self._entry_matches(entry, labels, fields):
                    continue
                result.append((key, entry))
                if limit and len(result) > limit:
                    break
            return result, self._rv, (remaining if not labels and not fields else None)

    @staticmethod
    def _entry_matches(entry: Entry, labels, fields) -> bool:
        # Labels are kept decoded; only a field selector needs the whole object (or the fields a
        # kind keeps decoded in its summary, as Events do).
        return labels_match(labels, entry.labels) and (not fields or fields_match(fields, entry.fields))

    def list(self, kind: str, namespace: str | None = None, labels=None, fields=None) -> list[dict]:
        return [entry.obj for _, entry in self.list_entries(kind, namespace, labels, fields)[0]]

    def _indexed_candidates(self, kind: str, labels: list[Requirement]) -> set | None:
        index = self._labels.get(kind, {})
        best = None
        for requirement in labels:
            if requirement.op in ("=", "in"):
                keys = set()
                for value in requirement.values:
                    keys |= index.get((requirement.key, value), set())
                if best is None or len(keys) < len(best):
                    best = keys
        return best

    def dependents(self, owner_uid: str) -> list[tuple[str, str, str]]:
        with self.lock:
            return sorted(self._dependents.get(owner_uid, ()))

    # --- writes -----------------------------------------------------------------------

    def next_resource_version(self) -> str:
        """Reserve the rv for a write about to be stored (caller holds the lock)."""
        self._rv += 1
        return str(self._rv)

    def put(self, kind: str, obj: dict) -> Entry:
        """Store `obj` (created or replaced). Assigns metadata.resourceVersion. The caller must
        not mutate `obj` afterwards."""
        with self.lock:
            metadata = obj["metadata"]
            namespace, name = metadata.get("namespace", ""), metadata["name"]
            metadata["resourceVersion"] = self.next_resource_version()
            entry = self._entry(kind, obj)
            names = self._objects.setdefault(kind, {}).setdefault(namespace, {})
            old = names.get(name)
            names[name] = entry
            if old is not None:
                self._unindex(kind, old)
            self._index(kind, entry)
            self._emit(Event("MODIFIED" if old else "ADDED", kind, self._rv, entry, old))
            return entry

    def remove(self, kind: str, namespace: str, name: str) -> Entry | None:
        """Delete; the DELETED event carries the last state with a new resourceVersion."""
        with self.lock:
            names = self._objects.get(kind, {}).get(namespace, {})
            old = names.pop(name, None)
            if old is None:
                return None
            if not names:
                del self._objects[kind][namespace]
            self._unindex(kind, old)
            final = old.obj
            final["metadata"]["resourceVersion"] = self.next_resource_version()
            entry = Entry(final, old.summary)
            self._emit(Event("DELETED", kind, self._rv, entry, old))
            return entry

    def _entry(self, kind: str, obj: dict) -> Entry:
        summarize = self._summaries.get(kind)
        return Entry(obj, summarize(obj) if summarize else None)

    def _index(self, kind: str, entry: Entry) -> None:
        index = self._labels.setdefault(kind, {})
        key = (entry.namespace, entry.name)
        for item in entry.labels.items():
            index.setdefault(item, set()).add(key)
        for _, _, owner_uid in entry.owners:
            self._dependents.setdefault(owner_uid, set()).add((kind, *key))

    def _unindex(self, kind: str, entry: Entry) -> None:
        index = self._labels.get(kind, {})
        key = (entry.namespace, entry.name)
        for item in entry.labels.items():
            keys = index.get(item)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del index[item]
        for _, _, owner_uid in entry.owners:
            keys = self._dependents.get(owner_uid)
            if keys is not None:
                keys.discard((kind, *key))
                if not keys:
                    del self._dependents[owner_uid]

    def _emit(self, event: Event) -> None:
        if len(self._history) == self._history.maxlen:
            self._floor = self._history[0].rv
        self._history.append(event)
        for watcher in self._watchers:
            if watcher.kind == event.kind:
                watcher.queue.put(event)
        for listener in self._listeners:
            listener(event)

    # --- watch ------------------------------------------------------------------------

    def add_listener(self, callback) -> None:
        """Synchronous callback on every write (controllers use it to mark work)."""
        self._listeners.append(callback)

    def watch(self, kind: str, since: int) -> Watcher:
        """Subscribe to events after resourceVersion `since`; raises Expired if the history
        no longer reaches back that far."""
        with self.lock:
            if since < self._floor:
                raise Expired()
            watcher = Watcher(kind)
            backlog = []
            for event in reversed(self._history):
                if event.rv <= since:
                    break
                if event.kind == kind:
                    backlog.append(event)
            for event in reversed(backlog):
                watcher.queue.put(event)
            self._watchers.add(watcher)
            return watcher

    def unwatch(self, watcher: Watcher) -> None:
        with self.lock:
            self._watchers.discard(watcher)

    def drop_watches(self) -> int:
        """Mark every open watch to lose its connection (a test hook: a proxy or the network
        cutting the stream); returns how many were open."""
        with self.lock:
            watchers = list(self._watchers)
        for watcher in watchers:
            watcher.dropped = True
            watcher.queue.put(None)  # wake the stream up
        return len(watchers)

    def compact(self) -> None:
        """Forget the event history (as etcd compaction does): older watches and continue
        tokens now get 410 Expired."""
        with self.lock:
            self._history.clear()
            self._floor = self._rv
            self.continue_floor = self._rv

    @property
    def history_floor(self) -> int:
        return self._floor

    # --- state files --------------------------------------------------------------------

    def snapshot(self) -> list[dict]:
        with self.lock:
            return [entry.obj for names in self._objects.values() for ns in names.values() for entry in ns.values()]

    def load(self, objects: list[dict], resource_version: int) -> None:
        with self.lock:
            for obj in objects:
                entry = self._entry(obj["kind"], obj)
                self._objects.setdefault(obj["kind"], {}).setdefault(entry.namespace, {})[entry.name] = entry
                self._index(obj["kind"], entry)
            self._rv = max(self._rv, resource_version)
            self._floor = self._rv
