"""The garbage collector and the namespace controller (with the service-account controller).

Garbage collection follows ownerReferences: when an owner is gone, its dependents with no
other owner are deleted (Background); an owner deleted with Orphan keeps its dependents
(they lose the reference); one deleted with Foreground stays, marked, until its dependents
are gone. A Terminating namespace is emptied (everything in it deleted, pods gracefully),
then removed. All of it runs on the tick after the delete, as on a real cluster.
"""

from kubesim.api import CONTROLLER_MANAGER, FOREGROUND, ORPHAN, deleting
from kubesim.resources import resource_for_kind

SERVICE_ACCOUNT = resource_for_kind("ServiceAccount")


class GarbageCollector:
    def __init__(self, manager):
        self.manager = manager
        self.api = manager.api
        self.store = manager.store

    def owner_gone(self, owner_uid: str, namespace: str) -> None:
        """Background deletion: delete the dependents that have no owner left."""
        for kind, dependent_namespace, name in self.store.dependents(owner_uid):
            dependent = self.store.get(kind, dependent_namespace, name)
            if dependent is None or deleting(dependent):
                continue
            refs = dependent["metadata"].get("ownerReferences") or []
            if any(ref.get("uid") != owner_uid and self._owner_exists(ref, dependent_namespace) for ref in refs):
                continue
            self.manager.delete(dependent, "Background")

    def _owner_exists(self, ref: dict, namespace: str) -> bool:
        try:
            rt = resource_for_kind(ref.get("kind"))
        except KeyError:
            return False
        owner = self.store.get(rt.kind, namespace if rt.namespaced else "", ref.get("name"))
        return owner is not None and owner["metadata"]["uid"] == ref.get("uid")

    def deleting(self, obj: dict) -> None:
        """An object marked for deletion: the finalizers the collector owns are handled next tick."""
        finalizers = obj["metadata"].get("finalizers") or ()
        key = (obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        if ORPHAN in finalizers:
            self.manager.defer(("orphan", *key))
        if FOREGROUND in finalizers:
            self.manager.defer(("foreground", *key))

    def finish(self, finalizer: str, kind: str, namespace: str, name: str) -> None:
        obj = self.store.get(kind, namespace, name)
        if obj is None or not deleting(obj):
            return
        uid = obj["metadata"]["uid"]
        if finalizer == "orphan":
            self.api.orphan_dependents(uid)
            self.api.remove_finalizer(obj, ORPHAN)
            return
        dependents = [self.store.get(k, ns, n) for k, ns, n in self.store.dependents(uid)]
        dependents = [d for d in dependents if d is not None]
        for dependent in dependents:
            if not deleting(dependent):
                self.manager.delete(dependent, "Foreground")
        if not dependents:
            # Dependents going away mark their owner again: this runs once more when the last goes.
            self.api.remove_finalizer(obj, FOREGROUND)


class NamespaceController:
    def __init__(self, manager):
        self.manager = manager
        self.api = manager.api
        self.store = manager.store

    def reconcile(self, namespace: dict, now: float) -> None:
        name = namespace["metadata"]["name"]
        if deleting(namespace):
            self.manager.defer(("namespace-content", name, "", ""))
            return
        if self.store.get("ServiceAccount", name, "default") is None:
            # The service-account controller: pods in a namespace run as `default`.
            self.api.create(SERVICE_ACCOUNT, name, {"metadata": {"name": "default"}}, manager=CONTROLLER_MANAGER)

    def clean(self, name: str, now: float) -> None:
        """Delete what is left in a Terminating namespace; remove it once nothing is."""
        namespace = self.store.get("Namespace", "", name)
        if namespace is None or not deleting(namespace):
            return
        remaining = False
        for kind in self.store.namespaced_kinds(name):
            for obj in self.store.list(kind, name):
                remaining = True
                if not deleting(obj):
                    self.manager.delete(obj, "Background")
        if remaining:
            self.manager.defer(("namespace-content", name, "", ""))
        else:
            self.api.finish_namespace(namespace)
