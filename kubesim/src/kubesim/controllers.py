"""The controller manager: one work queue, timers and ticks for every simulated component
(scheduler, kubelets, node lifecycle, garbage collector, namespaces, quotas, workloads).

Level-triggered like the real ones: every write marks the object (and its owners) dirty;
`settle()` reconciles dirty objects and due timers until nothing changes. Timers are how
time-driven transitions (a pod starting after N seconds) get noticed.

What a real cluster does asynchronously is deferred to the next *tick* instead of happening
inside the request that caused it: the garbage collector, the namespace controller and the
kubelet finishing a graceful deletion. A tick is one step of `Simulator.advance` (manual
clock) or one pass of the real-time ticker, so a client always sees the intermediate states
(a pod with a `deletionTimestamp`, a Job's pods after the Job is gone) at least once.
"""

import heapq
import sys
import threading
from collections import deque

from kubesim.api import CONTROLLER_MANAGER
from kubesim.errors import ApiError
from kubesim.events import EventRecorder
from kubesim.gc import GarbageCollector, NamespaceController
from kubesim.kubelet import Kubelets
from kubesim.nodelifecycle import NodeLifecycle
from kubesim.quota import LEGACY_COUNTS
from kubesim.quota import status as quota_status
from kubesim.resources import BY_KIND_OR_QUALIFIED, resource_for_kind
from kubesim.scheduler import Scheduler
from kubesim.workloads import WorkloadControllers

MAX_STEPS = 1_000_000  # guard against a controller that never settles
QUOTA_KINDS = frozenset({*LEGACY_COUNTS.values(), "Job", "Deployment", "ReplicaSet", "StatefulSet"})


class ControllerManager:
    def __init__(self, sim):
        self.sim = sim
        self.api = sim.api
        self.store = sim.store
        self.ticks = 0
        self._dirty: deque = deque()
        self._dirty_set: set = set()
        self._dirty_lock = threading.Lock()
        self._next_tick: dict = {}  # items deferred to the next tick (ordered, deduplicated)
        self._timers: list = []  # heap of (when, kind, namespace, name)
        self._timer_set: set = set()
        self._reported: set = set()
        self.events = EventRecorder(self.api, sim.clock)
        self.scheduler = Scheduler(self)
        self.kubelets = Kubelets(self)
        self.nodes = NodeLifecycle(self)
        self.gc = GarbageCollector(self)
        self.namespaces = NamespaceController(self)
        self.workloads = WorkloadControllers(self)
        self.handlers = {
            **self.workloads.handlers,
            "Pod": self._pod,
            "Node": self.nodes.reconcile,
            "Lease": self.nodes.lease_changed,
            "Namespace": self.namespaces.reconcile,
            "ResourceQuota": self._quota,
        }
        self.store.add_listener(self._on_event)

    def now(self) -> float:
        return self.sim.clock.now()

    # --- work queue ---------------------------------------------------------------------

    def mark(self, item: tuple) -> None:
        with self._dirty_lock:
            if item not in self._dirty_set:
                self._dirty_set.add(item)
                self._dirty.append(item)

    def defer(self, item: tuple) -> None:
        """Reconcile `item` on the next tick, not now."""
        with self._dirty_lock:
            self._next_tick[item] = None

    def _on_event(self, event) -> None:
        entry = event.entry
        if event.kind == "Event":
            return  # nothing reconciles Events (and an Event never owns or counts)
        if event.kind == "Pod":
            self.scheduler.pod_event(event)
        elif event.kind == "PersistentVolumeClaim":
            self.scheduler.volumes_changed()
        elif event.kind == "Node":
            self.scheduler.nodes_changed()
        if event.type == "DELETED":
            self.defer(("gc", entry.uid, entry.namespace, ""))
        else:
            self.mark((event.kind, entry.namespace, entry.name, ""))
        for kind, name, _ in entry.owners:
            self.mark((kind, entry.namespace, name, ""))
        if entry.namespace and event.kind in QUOTA_KINDS and self.store.names("ResourceQuota", entry.namespace):
            self.mark(("quota", entry.namespace, "", ""))

    def wake_at(self, when: float, kind: str, namespace: str, name: str) -> None:
        timer = (when, kind, namespace, name)
        if timer not in self._timer_set:  # objects are reconciled often; one timer each is enough
            self._timer_set.add(timer)
            heapq.heappush(self._timers, timer)

    def tick(self) -> int:
        """One step of the cluster's asynchronous work: what was deferred, then settle."""
        with self._dirty_lock:
            deferred, self._next_tick = list(self._next_tick), {}
            self.ticks += 1
        self.events.expire(self.now())
        for item in deferred:
            self.mark(item)
        return self.settle()

    def settle(self) -> int:
        """Reconcile until no work is left at the current time; returns steps taken."""
        steps = 0
        now = self.now()
        while steps < MAX_STEPS:
            while self._timers and self._timers[0][0] <= now:
                timer = heapq.heappop(self._timers)
                self._timer_set.discard(timer)
                _, kind, namespace, name = timer
                self.mark((kind, namespace, name, ""))
            with self._dirty_lock:
                if not self._dirty:
                    if self.scheduler.take_retry():
                        for key in self.scheduler.unschedulable_keys():
                            self._dirty_set.add(("Pod", *key, ""))
                            self._dirty.append(("Pod", *key, ""))
                        continue
                    break
                item = self._dirty.popleft()
                self._dirty_set.discard(item)
            steps += 1
            # An ApiError means we lost a race with a client write (a conflict, a vanished
            # object): that write marked the object dirty again, so it is retried.
            try:
                self._reconcile(item, now)
            except ApiError:
                pass
            except (TypeError, ValueError, AttributeError, KeyError) as error:
                # An object no API server would have stored (seeded straight into the store):
                # a real controller logs it and goes on, so do we.
                self._report(item, error)
        return steps

    def _report(self, item: tuple, error: Exception) -> None:
        key = (item[:3], type(error).__name__)
        if key not in self._reported:
            self._reported.add(key)
            print(f"kubesim: cannot reconcile {item[:3]}: {error!r}", file=sys.stderr)

    def next_timer(self) -> float | None:
        return self._timers[0][0] if self._timers else None

    def pending_ticks(self) -> bool:
        """Work waits for the next tick."""
        return bool(self._next_tick)

    def _reconcile(self, item: tuple, now: float) -> None:
        tag = item[0]
        if tag == "gc":  # ("gc", uid of a deleted object, its namespace, "")
            return self.gc.owner_gone(item[1], item[2])
        if tag in ("orphan", "foreground"):  # (tag, kind, namespace, name)
            return self.gc.finish(tag, item[1], item[2], item[3])
        if tag == "quota":  # ("quota", namespace, "", "")
            for quota_name in self.store.names("ResourceQuota", item[1]):
                self.mark(("ResourceQuota", item[1], quota_name, ""))
            return
        if tag == "kubelet":  # ("kubelet", node, "", "")
            return self.kubelets.heartbeat(item[1], now)
        if tag == "namespace-content":  # ("namespace-content", namespace, "", "")
            return self.namespaces.clean(item[1], now)
        kind, namespace, name, _ = item
        obj = self.store.get(kind, namespace, name)
        if obj is None:
            return
        if obj["metadata"].get("deletionTimestamp"):
            self.gc.deleting(obj)
            if kind == "Pod":
                self.kubelets.terminate(obj, now)
            elif kind == "Namespace":
                self.namespaces.reconcile(obj, now)
            return
        handler = self.handlers.get(kind)
        if handler:
            handler(obj, now)

    # --- shared by the controllers ------------------------------------------------------

    def delete(self, obj: dict, policy: str = "Background") -> None:
        """Delete `obj` as a controller does (its uid as precondition; gone or changed: fine)."""
        rt = resource_for_kind(obj["kind"])
        metadata = obj["metadata"]
        try:
            self.api.delete(rt, metadata.get("namespace", ""), metadata["name"],
                            {"propagationPolicy": policy, "preconditions": {"uid": metadata["uid"]}},
                            manager=CONTROLLER_MANAGER)
        except ApiError as error:
            if error.code not in (404, 409):
                raise

    def _pod(self, pod: dict, now: float) -> None:
        if not pod["spec"].get("nodeName"):
            pod = self.scheduler.schedule(pod, now)
            if pod is None:
                return
        self.kubelets.sync(pod, now)

    def _quota(self, quota: dict, now: float) -> None:
        status = quota_status(self.store, quota, now, BY_KIND_OR_QUALIFIED)
        if status != quota.get("status"):
            self.api.update_status(quota, status)
