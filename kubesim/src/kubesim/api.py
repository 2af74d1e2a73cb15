"""API semantics shared by the HTTP server, the controllers and direct seeding: server-set
fields, admission, validation, optimistic concurrency, patching, managedFields and deletion.

Deletion is what the real server does, not what is convenient: a DELETE only marks what has
to wait (a running pod's grace period, finalizers, `orphan` and `foregroundDeletion`, a
namespace's content) with a `deletionTimestamp`; the controllers finish it later (kubelet,
garbage collector, namespace controller), never inside the request.
"""

import copy
import json
import random
import uuid

from kubesim import managed_fields, podsecurity, quota
from kubesim import patch as patching
from kubesim.admission import Admission, check_namespace, qos_class
from kubesim.clock import rfc3339
from kubesim.errors import ApiError, already_exists, bad_request, conflict, not_found, uid_conflict
from kubesim.resources import (
    BY_KIND_OR_QUALIFIED,
    CONTROLLER_STATUS_KINDS,
    ResourceType,
    apply_defaults,
)
from kubesim.store import Store
from kubesim.validation import decode_check, validate

# Same alphabet as the real apiserver's generateName suffix (no vowels, no look-alikes).
SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"
NAMESPACE_FINALIZER = "kubernetes"
DEFAULT_GRACE_SECONDS = 30
SEEDING_MANAGER = "kubesim"
CONTROLLER_MANAGER = "kube-controller-manager"
# Managers kubesim plays itself record their fields two levels deep (managed_fields.py).
INTERNAL_MANAGERS = frozenset({SEEDING_MANAGER, CONTROLLER_MANAGER, "kubelet", "kube-scheduler"})
INTERNAL_DEPTH = 2


def _depth(manager: str) -> int | None:
    return INTERNAL_DEPTH if manager in INTERNAL_MANAGERS else None
# What the real server returns right after a create (v37 models require `replicas`).
INITIAL_STATUS = {
    "ReplicaSet": {"replicas": 0},
    "StatefulSet": {"replicas": 0, "availableReplicas": 0},
}
PATCH_TYPES = {
    "application/merge-patch+json": patching.merge_patch,
    "application/strategic-merge-patch+json": patching.strategic_merge_patch,
    "application/json-patch+json": patching.json_patch,
}


def json_copy(obj):
    """A deep copy of JSON data, several times faster than copy.deepcopy."""
    return json.loads(json.dumps(obj))


def random_suffix(rng: random.Random, length: int = 5) -> str:
    return "".join(rng.choice(SUFFIX_ALPHABET) for _ in range(length))


def deleting(obj: dict) -> bool:
    return bool(obj["metadata"].get("deletionTimestamp"))


class Api:
    def __init__(self, store: Store, clock, rng: random.Random | None = None):
        self.store = store
        self.clock = clock
        self.rng = rng or random.Random()
        self.admission = Admission(store, self.rng)

    # --- reads --------------------------------------------------------------------------

    def get(self, rt: ResourceType, namespace: str, name: str) -> dict:
        obj = self.store.get(rt.kind, namespace if rt.namespaced else "", name)
        if obj is None:
            raise not_found(rt.plural, name, rt.group)
        return obj

    # --- writes (every one records its manager) ----------------------------------------

    def write(self, obj: dict, manager: str, *, old: dict | None = None, subresource: str | None = None) -> dict:
        """Store `obj` (a new version of `old`, or new), recording `manager` in managedFields.
        An object marked for deletion whose finalizers are gone and grace period over is removed."""
        managed_fields.record(obj, old, manager, rfc3339(self.clock.now()), subresource, _depth(manager))
        metadata = obj["metadata"]
        if old is not None and deleting(obj) and not metadata.get("finalizers") and \
                not metadata.get("deletionGracePeriodSeconds") and obj["kind"] != "Namespace":
            removed = self.store.remove(obj["kind"], metadata.get("namespace", ""), metadata["name"])
            return removed.obj if removed else obj
        self.store.put(obj["kind"], obj)
        return obj

    def update_status(self, obj: dict, status: dict, manager: str = CONTROLLER_MANAGER) -> dict:
        """Controllers: replace the status of `obj` (a stored object, left untouched)."""
        updated = dict(obj, status=status)
        updated["metadata"] = dict(obj["metadata"])
        return self.write(updated, manager, old=obj, subresource="status")

    def update(self, obj: dict, changes: dict, manager: str = CONTROLLER_MANAGER, metadata: dict | None = None) -> dict:
        """Controllers: a new version of stored `obj` with top-level `changes` (and metadata changes)."""
        updated = dict(obj, **changes)
        updated["metadata"] = dict(obj["metadata"], **(metadata or {}))
        return self.write(updated, manager, old=obj)

    # --- create -------------------------------------------------------------------------

    def create(self, rt: ResourceType, namespace: str, body, *, keep_status: bool = False,
               manager: str = SEEDING_MANAGER) -> dict:
        if not isinstance(body, dict):
            raise bad_request("the body of the request must be a JSON object")
        if body.get("kind") not in (None, "", rt.kind):
            raise bad_request(f"the kind {body.get('kind')!r} of the object does not match {rt.kind!r}")
        obj = json_copy(body)
        metadata = obj.setdefault("metadata", {}) or {}
        obj["metadata"] = metadata
        if rt.namespaced:
            namespace = namespace or metadata.get("namespace") or "default"
            if metadata.get("namespace") not in (None, "", namespace):
                raise bad_request("the namespace of the provided object does not match the namespace sent on the request")
            metadata["namespace"] = namespace
        else:
            namespace = ""
            metadata.pop("namespace", None)
        if metadata.get("resourceVersion"):
            raise bad_request("resourceVersion should not be set on objects to be created")
        decode_check(rt.kind, rt.api_version, obj)
        with self.store.lock:
            now = self.clock.now()
            if rt.namespaced:
                check_namespace(self.store, rt, namespace, metadata.get("name") or "")
            if not metadata.get("name") and metadata.get("generateName"):
                for _ in range(20):
                    candidate = metadata["generateName"] + random_suffix(self.rng)
                    if self.store.get_entry(rt.kind, namespace, candidate) is None:
                        metadata["name"] = candidate
                        break
            validate(rt, obj)
            if rt.namespaced:
                podsecurity.enforce(self.store.get("Namespace", "", namespace), rt.kind, obj)
            name = metadata["name"]
            if self.store.get_entry(rt.kind, namespace, name) is not None:
                raise already_exists(rt.plural, name, rt.group)
            obj["kind"], obj["apiVersion"] = rt.kind, rt.api_version
            metadata["uid"] = metadata.get("uid") if keep_status and metadata.get("uid") else str(uuid.uuid4())
            if not (keep_status and metadata.get("creationTimestamp")):
                metadata["creationTimestamp"] = rfc3339(now)
            metadata["generation"] = 1
            for field in ("deletionTimestamp", "deletionGracePeriodSeconds", "selfLink", "managedFields"):
                metadata.pop(field, None)
            if not keep_status and rt.kind in CONTROLLER_STATUS_KINDS:
                obj["status"] = {}
            if rt.kind == "Job":
                self._default_job_selector(obj)
            apply_defaults(rt, obj)
            # Recorded before admission mutates the object, as the server does.
            tracked = managed_fields.fieldset(managed_fields.tracked(obj, None), _depth(manager))
            self.admission.admit(rt, obj)
            if rt.kind == "Pod":
                obj["status"] = {**(obj.get("status") or {"phase": "Pending"}), "qosClass": qos_class(obj)}
            if not obj.get("status") and rt.kind in INITIAL_STATUS:
                obj["status"] = copy.deepcopy(INITIAL_STATUS[rt.kind])
            if rt.namespaced:
                quota.check(self.store, rt, namespace, obj, now, BY_KIND_OR_QUALIFIED)
            if tracked:
                metadata["managedFields"] = [{"manager": manager, "operation": "Update", "apiVersion": rt.api_version,
                                              "time": rfc3339(now), "fieldsType": "FieldsV1", "fieldsV1": tracked}]
            self.store.put(rt.kind, obj)
            return obj

    @staticmethod
    def _default_job_selector(job: dict) -> None:
        """The real server selects a Job's pods by its uid and labels the template to match."""
        spec = job.get("spec") or {}
        if spec.get("manualSelector") or spec.get("selector"):
            return
        uid, name = job["metadata"]["uid"], job["metadata"]["name"]
        spec["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
        labels = spec["template"].setdefault("metadata", {}).setdefault("labels", {})
        labels.update({
            "batch.kubernetes.io/controller-uid": uid,
            "batch.kubernetes.io/job-name": name,
            "controller-uid": uid,
            "job-name": name,
        })

    # --- update -------------------------------------------------------------------------

    def replace(self, rt: ResourceType, namespace: str, name: str, body, subresource: str | None = None,
                manager: str = SEEDING_MANAGER) -> dict:
        if not isinstance(body, dict):
            raise bad_request("the body of the request must be a JSON object")
        decode_check(rt.kind, rt.api_version, body)
        with self.store.lock:
            current = self.get(rt, namespace, name)
            return self._write_update(rt, current, json_copy(body), subresource, manager)

    def patch(self, rt: ResourceType, namespace: str, name: str, body, content_type: str,
              subresource: str | None = None, manager: str = SEEDING_MANAGER) -> dict:
        patcher = PATCH_TYPES.get(content_type)
        if patcher is None:
            raise ApiError(415, f"the body of the request was in an unknown format - accepted media types include: "
                                f"{', '.join(PATCH_TYPES)}", "UnsupportedMediaType")
        with self.store.lock:
            current = self.get(rt, namespace, name)
            patched = patcher(json_copy(current), body)
            if not isinstance(patched, dict):
                raise bad_request("the patch did not produce an object")
            decode_check(rt.kind, rt.api_version, patched)
            # The patched copy keeps the current resourceVersion unless the patch sets one, so a
            # patch conflicts only when it explicitly carries a stale resourceVersion.
            return self._write_update(rt, current, patched, subresource, manager)

    def _write_update(self, rt: ResourceType, current: dict, new: dict, subresource: str | None, manager: str) -> dict:
        metadata = new.get("metadata") or {}
        name = current["metadata"]["name"]
        if metadata.get("name") not in (None, name):
            raise bad_request(f'the name of the object ({metadata.get("name")}) does not match the name on the URL ({name})')
        sent_rv = metadata.get("resourceVersion")
        if sent_rv and sent_rv != current["metadata"]["resourceVersion"]:
            raise conflict(rt.plural, name, "the object has been modified; please apply your changes to the latest "
                                            "version and try again", rt.group)
        if metadata.get("uid") and metadata["uid"] != current["metadata"]["uid"]:
            raise conflict(rt.plural, name, f'Precondition failed: UID in precondition: {metadata["uid"]}, '
                                            f'UID in object meta: {current["metadata"]["uid"]}', rt.group)
        if subresource == "status":
            updated = dict(current, status=new.get("status", current.get("status")))
            updated["metadata"] = dict(current["metadata"])
        else:
            updated = new
            updated["kind"], updated["apiVersion"] = rt.kind, rt.api_version
            kept = {key: current["metadata"][key] for key in
                    ("uid", "creationTimestamp", "namespace", "deletionTimestamp", "deletionGracePeriodSeconds",
                     "generation", "managedFields")
                    if key in current["metadata"]}
            updated["metadata"] = {**metadata, **kept, "name": name}
            keep_status = rt.kind in CONTROLLER_STATUS_KINDS or "status" not in updated
            if keep_status and "status" in current:
                updated["status"] = current["status"]
            if rt.kind == "Namespace":
                updated["status"] = current.get("status")
            validate(rt, updated)
            if updated.get("spec") != current.get("spec"):
                updated["metadata"]["generation"] = current["metadata"].get("generation", 1) + 1
        return self.write(updated, manager, old=current, subresource=subresource)

    # --- delete -------------------------------------------------------------------------

    def delete(self, rt: ResourceType, namespace: str, name: str, options: dict | None = None,
               manager: str = SEEDING_MANAGER) -> tuple[int, dict, bool]:
        """-> (HTTP code, the object as it is now, whether it is gone)."""
        options = options or {}
        with self.store.lock:
            current = self.get(rt, namespace, name)
            metadata = current["metadata"]
            preconditions = options.get("preconditions") or {}
            if preconditions.get("uid") and preconditions["uid"] != metadata["uid"]:
                raise uid_conflict(rt.kind, name, preconditions["uid"], metadata["uid"], rt.group)
            if preconditions.get("resourceVersion") and preconditions["resourceVersion"] != metadata["resourceVersion"]:
                raise conflict(rt.plural, name, "Precondition failed: ResourceVersion in precondition: "
                                                f'{preconditions["resourceVersion"]}, ResourceVersion in object meta: '
                                                f'{metadata["resourceVersion"]}', rt.group)
            policy = options.get("propagationPolicy")
            if policy is None and options.get("orphanDependents") is not None:
                policy = "Orphan" if options["orphanDependents"] else "Background"
            if policy is None:
                # batch/v1 Jobs still default to orphaning their pods (legacy REST strategy).
                policy = "Orphan" if rt.kind == "Job" else "Background"
            if policy not in ("Orphan", "Background", "Foreground"):
                raise ApiError(422, f'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: '
                                    f'"{policy}": supported values: "Foreground", "Background", "Orphan"', "Invalid")
            # 202 only when the caller asked with the legacy orphanDependents=false (as the server).
            accepted = 202 if options.get("orphanDependents") is False else 200
            if rt.kind == "Namespace":
                return self._terminate_namespace(current, manager)
            grace = self._grace_period(current, options) if rt.kind == "Pod" else 0
            if deleting(current):
                if grace == 0 and rt.kind == "Pod" and metadata.get("deletionGracePeriodSeconds"):
                    # The kubelet (or a forced delete) ends the grace period.
                    updated = self.update(current, {}, manager, {"deletionGracePeriodSeconds": 0})
                    return 200, updated, self.store.get(rt.kind, namespace, name) is None
                return accepted, current, False
            finalizers = list(metadata.get("finalizers") or [])
            if policy == "Orphan" and ORPHAN not in finalizers:
                finalizers.append(ORPHAN)
            if policy == "Foreground" and FOREGROUND not in finalizers:
                finalizers.append(FOREGROUND)
            if finalizers or grace:
                # The object stays, marked, until its finalizers are gone and (pods) the kubelet
                # has stopped its containers; the controllers finish the job.
                now = self.clock.now()
                changes = {"deletionTimestamp": rfc3339(now + grace), "deletionGracePeriodSeconds": grace}
                if finalizers:
                    changes["finalizers"] = finalizers
                updated = self.update(current, {}, manager, changes)
                return accepted, updated, False
            removed = self.store.remove(rt.kind, metadata.get("namespace", ""), name).obj
            if rt.kind == "Pod":  # a pod is answered as it was deleted: marked, with no grace period
                removed["metadata"].update(deletionTimestamp=rfc3339(self.clock.now()), deletionGracePeriodSeconds=0)
            return 200, removed, True

    def _terminate_namespace(self, namespace: dict, manager: str) -> tuple[int, dict, bool]:
        """A namespace goes Terminating; the namespace controller empties it, then removes it."""
        if deleting(namespace):
            return 200, namespace, False
        status = dict(namespace.get("status") or {}, phase="Terminating")
        updated = self.update(namespace, {"status": status}, manager,
                              {"deletionTimestamp": rfc3339(self.clock.now()), "deletionGracePeriodSeconds": 0})
        return 200, updated, False

    def finish_namespace(self, namespace: dict) -> None:
        """The namespace controller: its content is gone, so is the namespace."""
        self.store.remove("Namespace", "", namespace["metadata"]["name"])

    @staticmethod
    def _grace_period(pod: dict, options: dict) -> int:
        """Seconds a deleted pod has to stop: DeleteOptions.gracePeriodSeconds, else the pod's
        terminationGracePeriodSeconds (30). A pod not bound to a node, or finished, goes at once."""
        if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed") or not pod["spec"].get("nodeName"):
            return 0
        value = options.get("gracePeriodSeconds")
        if value is None:
            value = pod["spec"].get("terminationGracePeriodSeconds", DEFAULT_GRACE_SECONDS)
        try:
            return max(0, int(value))
        except (TypeError, ValueError):
            return DEFAULT_GRACE_SECONDS

    def orphan_dependents(self, owner_uid: str) -> None:
        """The garbage collector, for an owner deleted with Orphan: dependents lose the reference."""
        for kind, namespace, name in self.store.dependents(owner_uid):
            dependent = self.store.get(kind, namespace, name)
            if dependent is None:
                continue
            refs = [ref for ref in dependent["metadata"].get("ownerReferences", []) if ref.get("uid") != owner_uid]
            updated = dict(dependent)
            updated["metadata"] = dict(dependent["metadata"], ownerReferences=refs)
            if not refs:
                del updated["metadata"]["ownerReferences"]
            self.write(updated, CONTROLLER_MANAGER, old=dependent)

    def remove_finalizer(self, obj: dict, finalizer: str) -> dict:
        metadata = obj["metadata"]
        remaining = [f for f in metadata.get("finalizers") or [] if f != finalizer]
        updated = dict(obj)
        updated["metadata"] = dict(metadata, finalizers=remaining)
        if not remaining:
            del updated["metadata"]["finalizers"]
        return self.write(updated, CONTROLLER_MANAGER, old=obj)

    def delete_collection(self, rt: ResourceType, namespace: str | None, labels, fields, options: dict | None,
                          manager: str = SEEDING_MANAGER) -> list[dict]:
        deleted = []
        with self.store.lock:
            for obj in self.store.list(rt.kind, namespace if rt.namespaced else None, labels, fields):
                metadata = obj["metadata"]
                try:
                    deleted.append(self.delete(rt, metadata.get("namespace", ""), metadata["name"], options, manager)[1])
                except ApiError as error:
                    if error.code != 404:
                        raise
        return deleted
