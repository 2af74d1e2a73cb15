"""What the watches of one cluster have seen: its labelled objects, kept current. Pure: no I/O.

The informers (`informer.py`) fill it, one kind each: `replace` after a LIST (the differences
to what was held count as changes: nothing that happened while a watch was down is lost),
`apply` for each watch event. The watcher takes the changes (`take_changes`) and asks for the
objects they concern (`related`): whatever is linked to a changed object by ownership (a pod
and its Job; a Deployment, its ReplicaSets and their pods) or by a shared workload-id label in
the same namespace, so the workloads they make up are reconciled with all their objects, and
with nothing else. Objects are the gateway's slimmed dicts, untrusted: one without a uid is
not held (the periodic refresh reports it).
"""

import threading
import time
from collections import defaultdict
from collections.abc import Iterable

from . import labels


def uid_of(obj: dict) -> str | None:
    uid = (obj.get("metadata") or {}).get("uid")
    return uid if isinstance(uid, str) and uid else None


def owner_uids(obj: dict) -> list[str]:
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return [ref["uid"] for ref in refs if isinstance(ref, dict) and isinstance(ref.get("uid"), str)]


def label_key(obj: dict) -> tuple[str, str] | None:
    """(namespace, workload-id label) of an object that carries one."""
    metadata = obj.get("metadata") or {}
    value = (metadata.get("labels") or {}).get(labels.WORKLOAD_ID)
    namespace = metadata.get("namespace")
    if isinstance(value, str) and value and isinstance(namespace, str):
        return (namespace, value)
    return None


def object_key(obj: dict) -> tuple[str, str, str]:
    metadata = obj.get("metadata") or {}
    return (str(obj.get("kind") or ""), str(metadata.get("namespace") or ""), str(metadata.get("name") or ""))


class ObjectCache:
    """Objects by uid with the indexes `related` needs; safe to use from several threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._objects: dict[str, dict] = {}
        self._uids_of_kind: dict[str, set[str]] = defaultdict(set)
        self._children: dict[str, set[str]] = defaultdict(set)  # owner uid -> uids
        self._labelled: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._by_key: dict[tuple[str, str, str], str] = {}
        self._first_seen: dict[str, float] = {}  # uid -> time.monotonic() it came in
        # Versions of changed objects not yet taken (the old one too: it may have belonged to
        # another workload before a label changed, or be gone).
        self._changed: list[dict] = []

    def __len__(self) -> int:
        with self._lock:
            return len(self._objects)

    def get(self, uid: str) -> dict | None:
        with self._lock:
            return self._objects.get(uid)

    # -- writes (the informers) -----------------------------------------------------------

    def apply(self, event_type: str, obj: dict) -> None:
        """One watch event: ADDED or MODIFIED stores `obj`, DELETED forgets it."""
        with self._lock:
            if event_type == "DELETED":
                self._remove(uid_of(obj), obj)
            else:
                self._put(obj)

    def replace(self, kind: str, objects: Iterable[dict]) -> int:
        """The objects of `kind` are now exactly `objects` (a fresh LIST); how many changed."""
        listed = {uid: obj for obj in objects if (uid := uid_of(obj))}
        changes = 0
        with self._lock:
            for uid in list(self._uids_of_kind[kind] - listed.keys()):
                self._remove(uid, self._objects[uid])
                changes += 1
            for uid, obj in listed.items():
                if self._objects.get(uid) != obj:
                    self._put(obj)
                    changes += 1
        return changes

    def _put(self, obj: dict) -> None:
        uid = uid_of(obj)
        if uid is None:
            return
        old = self._objects.get(uid)
        if old == obj:
            return  # the same version again (a relist, a replayed event)
        if old is not None:
            self._unindex(uid, old)
            self._changed.append(old)
        else:
            self._first_seen[uid] = time.monotonic()
        self._objects[uid] = obj
        self._uids_of_kind[str(obj.get("kind"))].add(uid)
        for owner in owner_uids(obj):
            self._children[owner].add(uid)
        if (key := label_key(obj)) is not None:
            self._labelled[key].add(uid)
        self._by_key[object_key(obj)] = uid
        self._changed.append(obj)

    def _remove(self, uid: str | None, obj: dict) -> None:
        old = self._objects.pop(uid, None) if uid else None
        if old is None:
            return
        self._unindex(uid, old)
        self._first_seen.pop(uid, None)
        self._changed.append(old)

    def _unindex(self, uid: str, obj: dict) -> None:
        self._uids_of_kind[str(obj.get("kind"))].discard(uid)
        for owner in owner_uids(obj):
            self._children[owner].discard(uid)
            if not self._children[owner]:
                del self._children[owner]
        if (key := label_key(obj)) is not None:
            self._labelled[key].discard(uid)
            if not self._labelled[key]:
                del self._labelled[key]
        if self._by_key.get(object_key(obj)) == uid:
            del self._by_key[object_key(obj)]

    # -- reads (the watcher) --------------------------------------------------------------

    def pending(self) -> int:
        with self._lock:
            return len(self._changed)

    def take_changes(self) -> list[dict]:
        """The versions of objects changed since the last call (old and new, gone ones too)."""
        with self._lock:
            changed, self._changed = self._changed, []
        return changed

    def give_back(self, changed: list[dict]) -> None:
        """Changes taken but not applied (the cluster's lock was busy): taken again next time."""
        with self._lock:
            self._changed[:0] = changed

    def awaiting_owner(self, objects: dict[str, dict], owner_kinds, grace: float) -> dict[str, dict]:
        """Those of `objects` (uid -> object) that came in less than `grace` seconds ago and name
        an owner of `owner_kinds` that is not held: watches of different kinds are not ordered
        with each other, so a pod may come before its Job. Judged without them for a moment, they
        would be components of their own; after `grace` they count as they are (a leftover whose
        owner is gone, an object whose owner carries no labels)."""
        now = time.monotonic()
        with self._lock:
            return {
                uid: obj
                for uid, obj in objects.items()
                if now - self._first_seen.get(uid, 0.0) < grace
                and any(
                    isinstance(ref, dict) and ref.get("kind") in owner_kinds and ref.get("uid") not in self._objects
                    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []
                )
            }

    def related(
        self,
        seeds: Iterable[dict] = (),
        *,
        keys: Iterable[tuple[str, str, str]] = (),
        label_keys: Iterable[tuple[str, str]] = (),
    ) -> dict[str, dict]:
        """{uid: object} of the held objects linked to `seeds` (objects, held or gone), to the
        objects named by `keys` ((kind, namespace, name)) and to those labelled `label_keys`
        ((namespace, workload id)): through owners, what they own, and shared labels."""
        with self._lock:
            todo = []
            for seed in seeds:
                todo.append(uid_of(seed))
                todo.extend(owner_uids(seed))
                todo.extend(self._children.get(uid_of(seed) or "", ()))
                if (key := label_key(seed)) is not None:
                    todo.extend(self._labelled.get(key, ()))
            todo.extend(uid for key in keys if (uid := self._by_key.get(tuple(key))))
            for key in label_keys:
                todo.extend(self._labelled.get(tuple(key), ()))
            found: dict[str, dict] = {}
            while todo:
                uid = todo.pop()
                if uid in found or (obj := self._objects.get(uid)) is None:
                    continue
                found[uid] = obj
                todo.extend(owner_uids(obj))
                todo.extend(self._children.get(uid, ()))
                if (key := label_key(obj)) is not None:
                    todo.extend(self._labelled.get(key, ()))
            return found
