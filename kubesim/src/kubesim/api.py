"""API semantics shared by the HTTP server, the controllers and direct seeding: server-set
fields, validation, optimistic concurrency, patching and deletion with propagation.
"""

import copy
import json
import random
import uuid

from kubesim import patch as patching
from kubesim import podsecurity
from kubesim.clock import parse_rfc3339, rfc3339
from kubesim.errors import ApiError, already_exists, bad_request, conflict, not_found
from kubesim.resources import (
    CONTROLLER_STATUS_KINDS,
    ResourceType,
    apply_defaults,
    resource_for_kind,
    validate,
)
from kubesim.store import Store

# Same alphabet as the real apiserver's generateName suffix (no vowels, no look-alikes).
SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
FOREGROUND = "foregroundDeletion"
TERMINATION_SECONDS = "kubesim.io/termination-seconds"
ORPHAN = "orphan"
# What the real server returns right after a create (v37 models require `replicas`).
INITIAL_STATUS = {
    "Pod": {"phase": "Pending", "qosClass": "BestEffort"},
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


class Api:
    def __init__(self, store: Store, clock, rng: random.Random | None = None):
        self.store = store
        self.clock = clock
        self.rng = rng or random.Random()

    # --- reads --------------------------------------------------------------------------

    def get(self, rt: ResourceType, namespace: str, name: str) -> dict:
        obj = self.store.get(rt.kind, namespace if rt.namespaced else "", name)
        if obj is None:
            raise not_found(rt.plural, name, rt.group)
        return obj

    # --- create -------------------------------------------------------------------------

    def create(self, rt: ResourceType, namespace: str, body, *, keep_status: bool = False) -> dict:
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
        with self.store.lock:
            if rt.namespaced and self.store.get("Namespace", "", namespace) is None:
                raise not_found("namespaces", namespace)
            if not metadata.get("name") and metadata.get("generateName"):
                for _ in range(20):
                    candidate = metadata["generateName"] + random_suffix(self.rng)
                    if self.store.get(rt.kind, namespace, candidate) is None:
                        metadata["name"] = candidate
                        break
            validate(rt, obj)
            if rt.namespaced:
                podsecurity.enforce(self.store.get("Namespace", "", namespace), rt.kind, obj)
            name = metadata["name"]
            if self.store.get(rt.kind, namespace, name) is not None:
                raise already_exists(rt.plural, name, rt.group)
            obj["kind"], obj["apiVersion"] = rt.kind, rt.api_version
            metadata["uid"] = metadata.get("uid") if keep_status and metadata.get("uid") else str(uuid.uuid4())
            if not (keep_status and metadata.get("creationTimestamp")):
                metadata["creationTimestamp"] = rfc3339(self.clock.now())
            metadata["generation"] = 1
            for field in ("deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"):
                metadata.pop(field, None)
            if not keep_status and rt.kind in CONTROLLER_STATUS_KINDS:
                obj["status"] = {}
            if rt.kind == "Job":
                self._default_job_selector(obj)
            apply_defaults(rt, obj)
            if not obj.get("status") and rt.kind in INITIAL_STATUS:
                obj["status"] = copy.deepcopy(INITIAL_STATUS[rt.kind])
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

    def replace(self, rt: ResourceType, namespace: str, name: str, body, subresource: str | None = None) -> dict:
        if not isinstance(body, dict):
            raise bad_request("the body of the request must be a JSON object")
        with self.store.lock:
            current = self.get(rt, namespace, name)
            return self._write_update(rt, current, json_copy(body), subresource)

    def patch(self, rt: ResourceType, namespace: str, name: str, body, content_type: str,
              subresource: str | None = None) -> dict:
        patcher = PATCH_TYPES.get(content_type)
        if patcher is None:
            raise ApiError(415, f"the body of the request was in an unknown format - accepted media types include: "
                                f"{', '.join(PATCH_TYPES)}", "UnsupportedMediaType")
        with self.store.lock:
            current = self.get(rt, namespace, name)
            patched = patcher(json_copy(current), body)
            if not isinstance(patched, dict):
                raise bad_request("the patch did not produce an object")
            # The patched copy keeps the current resourceVersion unless the patch sets one, so a
            # patch conflicts only when it explicitly carries a stale resourceVersion.
            return self._write_update(rt, current, patched, subresource)

    def _write_update(self, rt: ResourceType, current: dict, new: dict, subresource: str | None) -> dict:
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
                    ("uid", "creationTimestamp", "namespace", "deletionTimestamp", "generation")
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
        return self.commit(rt, updated)

    def commit(self, rt: ResourceType, obj: dict) -> dict:
        """Store an updated object; one being deleted goes once its finalizers are gone."""
        metadata = obj["metadata"]
        deletion = metadata.get("deletionTimestamp")
        if deletion and not metadata.get("finalizers") and parse_rfc3339(deletion) <= self.clock.now():
            removed = self.store.remove(rt.kind, metadata.get("namespace", ""), metadata["name"])
            return removed.obj if removed else obj
        self.store.put(rt.kind, obj)
        return obj

    def update_status(self, obj: dict, status: dict) -> dict:
        """Controllers: replace the status of `obj` (a stored object, left untouched)."""
        updated = dict(obj, status=status)
        updated["metadata"] = dict(obj["metadata"])
        self.store.put(obj["kind"], updated)
        return updated

    # --- delete -------------------------------------------------------------------------

    def delete(self, rt: ResourceType, namespace: str, name: str, options: dict | None = None) -> tuple[int, dict]:
        options = options or {}
        with self.store.lock:
            current = self.get(rt, namespace, name)
            metadata = current["metadata"]
            preconditions = options.get("preconditions") or {}
            if preconditions.get("uid") and preconditions["uid"] != metadata["uid"]:
                raise conflict(rt.plural, name, f'Precondition failed: UID in precondition: {preconditions["uid"]}, '
                                                f'UID in object meta: {metadata["uid"]}', rt.group)
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
            if metadata.get("deletionTimestamp"):
                return 202, current
            uid = metadata["uid"]
            if policy == "Orphan":
                self._orphan_dependents(uid)
            if rt.kind == "Namespace":
                self._delete_namespace_contents(name)
            finalizers = list(metadata.get("finalizers") or [])
            if policy == "Foreground" and self.store.dependents(uid):
                finalizers.append(FOREGROUND)
            grace = self._grace_period(current, options) if rt.kind == "Pod" else 0
            if finalizers or grace:
                # The object stays, marked, until its finalizers are gone and (pods) the grace
                # period is over; the controllers finish the job.
                updated = dict(current)
                updated["metadata"] = dict(metadata, deletionTimestamp=rfc3339(self.clock.now() + grace),
                                           deletionGracePeriodSeconds=grace)
                if finalizers:
                    updated["metadata"]["finalizers"] = finalizers
                self.store.put(rt.kind, updated)
                return 202 if finalizers else 200, updated
            removed = self.store.remove(rt.kind, metadata.get("namespace", ""), name)
            return 200, removed.obj

    @staticmethod
    def _grace_period(pod: dict, options: dict) -> int:
        """Seconds a deleted pod stays Terminating: DeleteOptions.gracePeriodSeconds, else the
        pod's `kubesim.io/termination-seconds` annotation (default 0: gone at once)."""
        if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed") or not pod["spec"].get("nodeName"):
            return 0
        value = options.get("gracePeriodSeconds")
        if value is None:
            value = (pod["metadata"].get("annotations") or {}).get(TERMINATION_SECONDS, 0)
        try:
            return max(0, int(value))
        except (TypeError, ValueError):
            return 0

    def _orphan_dependents(self, owner_uid: str) -> None:
        for kind, namespace, name in self.store.dependents(owner_uid):
            dependent = self.store.get(kind, namespace, name)
            if dependent is None:
                continue
            updated = dict(dependent)
            refs = [ref for ref in dependent["metadata"].get("ownerReferences", []) if ref.get("uid") != owner_uid]
            updated["metadata"] = dict(dependent["metadata"], ownerReferences=refs)
            if not refs:
                del updated["metadata"]["ownerReferences"]
            self.store.put(kind, updated)

    def _delete_namespace_contents(self, namespace: str) -> None:
        for kind in self.store.kinds():
            rt = resource_for_kind(kind)
            if not rt.namespaced:
                continue
            for obj in self.store.list(kind, namespace):
                self.store.remove(kind, namespace, obj["metadata"]["name"])

    def delete_collection(self, rt: ResourceType, namespace: str | None, labels, fields, options: dict | None) -> list[dict]:
        deleted = []
        with self.store.lock:
            for obj in self.store.list(rt.kind, namespace if rt.namespaced else None, labels, fields):
                metadata = obj["metadata"]
                try:
                    deleted.append(self.delete(rt, metadata.get("namespace", ""), metadata["name"], options)[1])
                except ApiError as error:
                    if error.code != 404:
                        raise
        return deleted
