"""The Simulator: store + API semantics + controllers + clock, with helpers for tests to
seed objects and move time without going through HTTP."""

from __future__ import annotations

import json
import os
import random
import secrets
import threading

from kubesim.api import Api
from kubesim.clock import ManualClock, RealClock
from kubesim.controllers import ControllerManager
from kubesim.events import event_fields
from kubesim.faults import Faults
from kubesim.logs import PodLogs
from kubesim.nodes import default_nodes, node_object
from kubesim.requestlog import RequestLog
from kubesim.resources import BY_KIND, RESOURCES, ResourceType
from kubesim.scheduler import pod_summary
from kubesim.selectors import parse_field_selector, parse_label_selector
from kubesim.store import Store

DEFAULT_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def resolve_kind(kind: str) -> ResourceType:
    """'Pod', 'pods', 'pod' or 'po' -> the resource type."""
    if kind in BY_KIND:
        return BY_KIND[kind]
    lowered = kind.lower()
    for rt in RESOURCES:
        if lowered in (rt.plural, rt.singular, *rt.short_names):
            return rt
    raise KeyError(f"unknown kind {kind!r}")


class Simulator:
    def __init__(self, nodes: list[dict] | int | None = None, *, clock=None, realtime: bool = False,
                 speed: float = 1.0, token: str | None = None, history_size: int = 50_000,
                 namespaces=DEFAULT_NAMESPACES, seed: int | None = None, bookmark_interval: float = 1.0,
                 node_monitor_grace_period: float = 40.0):
        """nodes: node objects, a node count, or None for 3 default nodes (64 cpu, 512Gi,
        8 nvidia.com/gpu, 110 pods each). token: bearer token required on requests (None: no
        auth). node_monitor_grace_period: seconds without a heartbeat before a node is Unknown."""
        self.clock = clock or (RealClock(speed) if realtime else ManualClock())
        self.store = Store(history_size, summaries={"Pod": pod_summary, "Event": event_fields})
        self.api = Api(self.store, self.clock, random.Random(seed))
        self.faults = Faults()
        self.requests = RequestLog()
        self.logs = PodLogs(self)
        self.token = token
        self.bookmark_interval = bookmark_interval
        self.lock = threading.RLock()  # one reconciler at a time
        self.controllers = ControllerManager(self)
        self.controllers.nodes.grace = node_monitor_grace_period
        self._ticker: threading.Thread | None = None
        self._stop_ticking = threading.Event()
        for namespace in namespaces:
            self.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        if nodes is None:
            nodes = 3
        if isinstance(nodes, int):
            nodes = default_nodes(nodes, self.clock.now())
        for node in nodes:
            self.create(node)
        self.settle()

    # --- time ---------------------------------------------------------------------------

    def settle(self) -> int:
        """Run controllers until nothing is left to do at the current time."""
        with self.lock:
            return self.controllers.settle()

    def after_write(self) -> None:
        """Called by the server after every write: controllers react at once (no time passes);
        what a real cluster does later (garbage collection, graceful termination) waits for a tick."""
        self.settle()

    def tick(self) -> int:
        """One step of the cluster's asynchronous work (see controllers.py), at the current time."""
        with self.lock:
            return self.controllers.tick()

    def advance(self, seconds: float = 0.0, step: float = 1.0) -> None:
        """Move the clock forward, stopping at every controller timer (and at least every
        `step` seconds) so that chains of events happen in order. Every stop is a tick, and so
        is the start: `advance(0)` lets deferred work (a delete's aftermath) happen once."""
        with self.lock:
            target = self.clock.now() + seconds
            self.controllers.tick()
            while True:
                now = self.clock.now()
                if now >= target:
                    break
                next_timer = self.controllers.next_timer()
                stop = min(target, now + step)
                if next_timer is not None and now < next_timer < stop:
                    stop = next_timer
                self.clock.advance(stop - now)
                self.controllers.tick()

    def start_realtime(self, interval: float = 0.5) -> None:
        """Background thread running the controllers against the clock (for `make run`)."""
        if self._ticker is not None:
            return
        self._stop_ticking.clear()

        def ticking():
            while not self._stop_ticking.wait(interval):
                self.tick()

        self._ticker = threading.Thread(target=ticking, name="kubesim-controllers", daemon=True)
        self._ticker.start()

    def stop_realtime(self) -> None:
        self._stop_ticking.set()
        if self._ticker is not None:
            self._ticker.join(timeout=5)
            self._ticker = None

    # --- requests -----------------------------------------------------------------------

    def reset_requests(self) -> None:
        self.requests.clear()

    # --- direct access (no HTTP) --------------------------------------------------------

    def create(self, obj: dict, namespace: str | None = None, *, settle: bool = True) -> dict:
        """Store an object as a client would create it, except that a given `status` (and uid,
        creationTimestamp) is kept: handy to seed a cluster in any state."""
        rt = resolve_kind(obj.get("kind", ""))
        namespace = namespace or (obj.get("metadata") or {}).get("namespace") or "default"
        created = self.api.create(rt, namespace if rt.namespaced else "", obj, keep_status=True)
        if settle:
            self.settle()
        return created

    def get(self, kind: str, namespace: str | None, name: str) -> dict | None:
        rt = resolve_kind(kind)
        return self.store.get(rt.kind, (namespace or "default") if rt.namespaced else "", name)

    def list(self, kind: str, namespace: str | None = None, label_selector: str | None = None,
             field_selector: str | None = None) -> list[dict]:
        rt = resolve_kind(kind)
        return self.store.list(rt.kind, namespace if rt.namespaced else None,
                               parse_label_selector(label_selector), parse_field_selector(field_selector))

    def patch(self, kind: str, namespace: str | None, name: str, patch: dict,
              content_type: str = "application/merge-patch+json", subresource: str | None = None) -> dict:
        rt = resolve_kind(kind)
        result = self.api.patch(rt, (namespace or "default") if rt.namespaced else "", name, patch, content_type,
                                subresource)
        self.settle()
        return result

    def delete(self, kind: str, namespace: str | None, name: str, propagation_policy: str | None = None) -> dict:
        rt = resolve_kind(kind)
        options = {"propagationPolicy": propagation_policy} if propagation_policy else {}
        _, obj, _ = self.api.delete(rt, (namespace or "default") if rt.namespaced else "", name, options)
        self.settle()
        return obj

    def count(self, kind: str | None = None) -> int:
        return self.store.count(resolve_kind(kind).kind if kind else None)

    # --- nodes --------------------------------------------------------------------------

    def add_node(self, name: str, **kwargs) -> dict:
        index = self.store.count("Node")
        return self.create(node_object(name, index=index, now=self.clock.now(), **kwargs))

    def set_node_ready(self, name: str, ready: bool) -> dict:
        """The node's kubelet reports Ready (True) or not (False: "container runtime is down")."""
        with self.lock:
            self.controllers.kubelets.set_ready(name, ready)
            self.settle()
        return self.get("Node", None, name)

    def stop_kubelet(self, name: str) -> None:
        """The node is lost: its kubelet stops heartbeats, pod updates, logs and deletions. The
        node-lifecycle controller marks it Unknown `node_monitor_grace_period` seconds later."""
        with self.lock:
            self.controllers.kubelets.stop(name)

    def start_kubelet(self, name: str) -> None:
        """The node is back: heartbeats resume, its pods are reported again."""
        with self.lock:
            self.controllers.kubelets.start(name)
            self.settle()

    def compact(self) -> None:
        """Drop the watch history: older resourceVersions and continue tokens get 410."""
        self.store.compact()

    def open_watches(self) -> int:
        """How many watch connections are open now."""
        with self.store.lock:
            return len(self.store._watchers)

    def drop_watches(self) -> int:
        """Cut every open watch connection mid-stream (clients see the connection lost, not an
        end of stream); returns how many were open. Later watches are served as usual."""
        return self.store.drop_watches()

    # --- state file ---------------------------------------------------------------------

    def save_state(self, path: str) -> None:
        data = {"resourceVersion": self.store.resource_version, "objects": self.store.snapshot()}
        tmp = f"{path}.tmp"
        with open(tmp, "w") as handle:
            json.dump(data, handle, separators=(",", ":"))
        os.replace(tmp, path)

    def load_state(self, path: str) -> None:
        with open(path) as handle:
            data = json.load(handle)
        existing = {(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]) for o in self.store.snapshot()}
        objects = [o for o in data["objects"]
                   if (o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]) not in existing]
        self.store.load(objects, int(data.get("resourceVersion", 0)))
        self.controllers.scheduler.rebuild()
        for node in self.store.list("Node"):  # kubelets report before anyone judges their silence
            self.controllers.kubelets.heartbeat(node["metadata"]["name"], self.clock.now())
        for obj in objects:
            self.controllers.mark((obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"], ""))
        self.settle()


def new_token() -> str:
    return secrets.token_urlsafe(24)
