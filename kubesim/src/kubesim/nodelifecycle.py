"""The node-lifecycle controller (with the taint manager), as kube-controller-manager runs it.

- A node whose kubelet has not renewed its Lease (nor posted status) for the grace period
  (40 s) turns Unknown: every condition `Unknown`, reason `NodeStatusUnknown`, "Kubelet stopped
  posting node status."; its pods stay in their phase with `Ready=False`.
- Taints follow the Ready condition: Unknown -> `node.kubernetes.io/unreachable`, False ->
  `node.kubernetes.io/not-ready`, NoSchedule (the scheduler avoids the node) and NoExecute
  (pods are evicted, i.e. deleted, once their toleration runs out: 300 s by default). When
  every node is unhealthy (a full disruption) there is no NoExecute taint: the controller
  assumes its own connectivity is at fault and evicts nothing.
"""

from kubesim.api import deleting
from kubesim.clock import parse_rfc3339, rfc3339
from kubesim.scheduling import tolerates

NODE_MONITOR_GRACE_SECONDS = 40.0
UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"
OURS = (UNREACHABLE, NOT_READY)
LEASE_NAMESPACE = "kube-node-lease"


def ready_condition(node: dict) -> dict | None:
    for condition in (node.get("status") or {}).get("conditions") or ():
        if condition.get("type") == "Ready":
            return condition
    return None


class NodeLifecycle:
    def __init__(self, manager, grace: float = NODE_MONITOR_GRACE_SECONDS):
        self.manager = manager
        self.api = manager.api
        self.store = manager.store
        self.grace = grace
        self._ready: dict[str, str] = {}  # node -> Ready status last seen

    def lease_changed(self, lease: dict, now: float) -> None:
        if lease["metadata"].get("namespace") == LEASE_NAMESPACE:
            self.manager.mark(("Node", "", lease["metadata"]["name"], ""))

    def _probe_time(self, node: dict) -> float:
        """The last sign of life: the Lease's renewTime or the Ready condition's heartbeat."""
        times = []
        ready = ready_condition(node)
        if ready and ready.get("lastHeartbeatTime"):
            times.append(parse_rfc3339(ready["lastHeartbeatTime"]))
        lease = self.store.get("Lease", LEASE_NAMESPACE, node["metadata"]["name"])
        if lease and (lease.get("spec") or {}).get("renewTime"):
            times.append(parse_rfc3339(lease["spec"]["renewTime"]))
        return max(times) if times else parse_rfc3339(node["metadata"]["creationTimestamp"])

    def reconcile(self, node: dict, now: float) -> None:
        name = node["metadata"]["name"]
        self.manager.kubelets.agent(name)  # every node has a kubelet
        ready = ready_condition(node)
        if ready is not None and ready.get("status") != "Unknown":
            silent_until = self._probe_time(node) + self.grace
            if now >= silent_until:
                node = self._mark_unknown(node, now)
                self._mark_pods_not_ready(name, now)
                ready = ready_condition(node)
            else:
                self.manager.wake_at(silent_until, "Node", "", name)
        status = ready.get("status") if ready else "Unknown"
        if self._ready.get(name) != status:
            self._ready[name] = status
            for other in self.store.list("Node"):  # a full disruption may begin or end
                if other["metadata"]["name"] != name:
                    self.manager.mark(("Node", "", other["metadata"]["name"], ""))
        node = self._taint(node, status, now)
        self._evict(node, now)

    def _mark_unknown(self, node: dict, now: float) -> dict:
        conditions = []
        for condition in (node.get("status") or {}).get("conditions") or []:
            conditions.append(dict(condition, status="Unknown", reason="NodeStatusUnknown",
                                   message="Kubelet stopped posting node status.", lastTransitionTime=rfc3339(now)))
        return self.api.update_status(node, dict(node.get("status") or {}, conditions=conditions))

    def _mark_pods_not_ready(self, node_name: str, now: float) -> None:
        for namespace, name in self.manager.scheduler.pods_on(node_name):
            pod = self.store.get("Pod", namespace, name)
            if pod is None or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            status = pod.get("status") or {}
            conditions = [dict(c, status="False", lastTransitionTime=rfc3339(now))
                          if c.get("type") == "Ready" and c.get("status") == "True" else c
                          for c in status.get("conditions") or []]
            if conditions != status.get("conditions"):
                self.api.update_status(pod, dict(status, conditions=conditions))

    def _full_disruption(self) -> bool:
        nodes = self.manager.scheduler.nodes()
        return bool(nodes) and all((ready_condition(n) or {}).get("status") != "True" for n in nodes)

    def _taint(self, node: dict, ready_status: str, now: float) -> dict:
        key = {"Unknown": UNREACHABLE, "False": NOT_READY}.get(ready_status)
        wanted = set()
        if key:
            wanted.add((key, "NoSchedule"))
            if not self._full_disruption():
                wanted.add((key, "NoExecute"))
        taints = list((node.get("spec") or {}).get("taints") or [])
        have = {(t.get("key"), t.get("effect")) for t in taints if t.get("key") in OURS}
        if have == wanted:
            return node
        kept = [t for t in taints if t.get("key") not in OURS or (t.get("key"), t.get("effect")) in wanted]
        added = [{"key": k, "effect": effect, "timeAdded": rfc3339(now)} for k, effect in sorted(wanted - have)]
        spec = dict(node.get("spec") or {}, taints=kept + added)
        if not spec["taints"]:
            del spec["taints"]
        return self.api.update(node, {"spec": spec})

    def _evict(self, node: dict, now: float) -> None:
        """The taint manager: pods that do not tolerate a NoExecute taint (any longer) are deleted."""
        taints = [t for t in (node.get("spec") or {}).get("taints") or [] if t.get("effect") == "NoExecute"]
        if not taints:
            return
        name = node["metadata"]["name"]
        for namespace, pod_name in self.manager.scheduler.pods_on(name):
            pod = self.store.get("Pod", namespace, pod_name)
            if pod is None or deleting(pod) or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            evict_at = None
            for taint in taints:
                toleration = tolerates(pod, taint)
                if toleration is None:
                    evict_at = now
                    break
                seconds = toleration.get("tolerationSeconds")
                if seconds is not None:
                    added = parse_rfc3339(taint["timeAdded"]) if taint.get("timeAdded") else now
                    evict_at = min(evict_at or added + seconds, added + seconds)
            if evict_at is None:
                continue
            if now >= evict_at:
                self.manager.delete(pod, "Background")
            else:
                self.manager.wake_at(evict_at, "Node", "", name)
