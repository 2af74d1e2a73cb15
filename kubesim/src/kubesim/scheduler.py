"""The scheduler: binds a pending pod to a node it fits (kube-scheduler's filters: unschedulable,
taints, node selector, resources including `pods`), round-robin over the nodes; a pod that fits
nowhere stays Pending with `PodScheduled=False`, reason Unschedulable, and the scheduler's
message ("0/3 nodes are available: 3 Insufficient nvidia.com/gpu."). It is tried again when
capacity frees up (a pod ends or goes, a node changes).

What each node has reserved is kept up to date from the pod events (no scan per decision).
"""

from collections import defaultdict

from kubesim.clock import rfc3339
from kubesim.events import NORMAL, WARNING
from kubesim.quantities import to_milli
from kubesim.scheduling import filter_reasons, pod_requests, resource_reasons, unschedulable_message

SCHEDULER = "kube-scheduler"
TERMINAL = ("Succeeded", "Failed")


def pod_summary(pod: dict) -> tuple:
    """(node name, reserves resources, requests in thousandths): what the scheduler tracks of a pod."""
    try:
        requests = tuple(pod_requests(pod, to_milli).items())
        node = str((pod.get("spec") or {}).get("nodeName") or "")
        active = (pod.get("status") or {}).get("phase") not in TERMINAL
    except (ValueError, TypeError, AttributeError):  # an object only a test could have stored
        return "", False, (("pods", 1000),)
    return node, active, requests


class Scheduler:
    def __init__(self, manager):
        self.manager = manager
        self.api = manager.api
        self.store = manager.store
        self._used: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))  # node -> thousandths
        self._pods_on: dict[str, set] = defaultdict(set)  # node -> {(namespace, name)}
        self._unschedulable: set = set()  # (namespace, name)
        self._retry = False
        self._round = 0  # retry rounds: an unschedulable pod is tried once per round
        self._tried: dict = {}  # (namespace, name) -> round it was last found unschedulable
        self._cursor = 0
        self._nodes: list | None = None  # decoded once per Node write

    # --- bookkeeping from pod events ----------------------------------------------------

    def pod_event(self, event) -> None:
        key = (event.entry.namespace, event.entry.name)
        old = event.old.summary if event.old is not None else None
        new = None if event.type == "DELETED" else event.entry.summary
        if old and old[0]:
            self._pods_on[old[0]].discard(key)
            if old[1]:
                for name, value in old[2]:
                    self._used[old[0]][name] -= value
                if not (new and new[0] == old[0] and new[1]):
                    self._retry = True  # capacity freed
        if new and new[0]:
            self._pods_on[new[0]].add(key)
            if new[1]:
                for name, value in new[2]:
                    self._used[new[0]][name] += value
        if new is None or new[0] or not new[1]:
            self._unschedulable.discard(key)
            self._tried.pop(key, None)

    def pods_on(self, node: str) -> list[tuple[str, str]]:
        return sorted(self._pods_on.get(node, ()))

    def nodes_changed(self) -> None:
        self._nodes = None
        self._retry = True

    def volumes_changed(self) -> None:
        """A claim was created, bound or removed: pods waiting for one may fit now."""
        self._retry = True

    def unbound_claims(self, pod: dict) -> str:
        """Why the pod's PersistentVolumeClaims keep it off every node ("" when they do not)."""
        namespace = pod["metadata"].get("namespace", "")
        for volume in (pod.get("spec") or {}).get("volumes") or []:
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            if not claim:
                continue
            pvc = self.store.get("PersistentVolumeClaim", namespace, claim)
            if pvc is None:
                return f'persistentvolumeclaim "{claim}" not found'
            if (pvc.get("status") or {}).get("phase") != "Bound":
                return "pod has unbound immediate PersistentVolumeClaims"
        return ""

    def nodes(self) -> list[dict]:
        if self._nodes is None:
            self._nodes = self.store.list("Node")
        return self._nodes

    def rebuild(self) -> None:
        """Recount what every node has reserved (after a state file was loaded)."""
        self._used.clear()
        self._pods_on.clear()
        for key, entry in self.store.list_entries("Pod")[0]:
            node, active, requests = entry.summary
            if node:
                self._pods_on[node].add(key)
                if active:
                    for name, value in requests:
                        self._used[node][name] += value
        self.nodes_changed()

    def take_retry(self) -> bool:
        """True once after capacity may have freed up while pods wait."""
        retry, self._retry = self._retry and bool(self._unschedulable), False
        if retry:
            self._round += 1
        return retry

    def unschedulable_keys(self) -> list:
        return sorted(self._unschedulable)

    # --- scheduling ---------------------------------------------------------------------

    def schedule(self, pod: dict, now: float) -> dict | None:
        """Bind `pod` to a node that fits it (-> the bound pod), or mark it Unschedulable (-> None)."""
        metadata, spec = pod["metadata"], pod["spec"]
        if spec.get("schedulerName", "default-scheduler") != "default-scheduler":
            return None
        key = (metadata.get("namespace", ""), metadata["name"])
        if key in self._unschedulable and self._tried.get(key) == self._round:
            return None  # nothing freed up since the last try
        nodes = self.nodes()
        claims = self.unbound_claims(pod)
        reasons_per_node = []
        entry = self.store.get_entry("Pod", *key)
        requests = dict(entry.summary[2] if entry is not None and entry.summary else pod_summary(pod)[2])
        for offset in range(0 if claims else len(nodes)):
            node = nodes[(self._cursor + offset) % len(nodes)]
            reasons = filter_reasons(pod, node)
            if not reasons:
                node_name = node["metadata"]["name"]
                allocatable = (node.get("status") or {}).get("allocatable") or {}
                used = self._used[node_name]
                reasons = resource_reasons(requests, {name: to_milli(allocatable.get(name, 0)) - used.get(name, 0)
                                                      for name in requests})
            if not reasons:
                self._cursor = (self._cursor + offset + 1) % len(nodes)
                self._unschedulable.discard(key)
                return self._bind(pod, node["metadata"]["name"], now)
            reasons_per_node.append(reasons)
        self._unschedulable.add(key)
        self._tried[key] = self._round
        # A claim is checked before any node (PreFilter): the message names no node count.
        message = f"0/{len(nodes)} nodes are available: {claims}." if claims else \
            unschedulable_message(len(nodes), reasons_per_node)
        # Each attempt is reported; a repeat of the same message only counts up.
        self.manager.events.record(pod, WARNING, "FailedScheduling", message, "default-scheduler")
        status = pod.get("status") or {}
        current = [c for c in status.get("conditions") or [] if c.get("type") == "PodScheduled"]
        if current and current[0].get("message") == message and current[0].get("status") == "False":
            return None
        condition = {"type": "PodScheduled", "status": "False", "lastProbeTime": None,
                     "lastTransitionTime": rfc3339(now), "reason": "Unschedulable", "message": message}
        others = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
        self.api.update_status(pod, dict(status, phase="Pending", conditions=[*others, condition]), SCHEDULER)
        return None

    def _bind(self, pod: dict, node_name: str, now: float) -> dict:
        """The binding subresource: nodeName set, PodScheduled True."""
        status = dict(pod.get("status") or {})
        conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
        conditions.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                           "lastTransitionTime": rfc3339(now)})
        status["conditions"] = conditions
        bound = self.api.update(pod, {"spec": dict(pod["spec"], nodeName=node_name), "status": status}, SCHEDULER)
        metadata = pod["metadata"]
        self.manager.events.record(bound, NORMAL, "Scheduled",
                                   f"Successfully assigned {metadata.get('namespace', '')}/{metadata['name']} to {node_name}",
                                   "default-scheduler")
        return bound
