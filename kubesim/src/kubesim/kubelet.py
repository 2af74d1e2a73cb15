"""The simulated kubelets, one per node: heartbeats, the pods bound to the node, graceful
termination, and whether the node answers at all.

- Heartbeats: the node's Lease in `kube-node-lease` is renewed every `LEASE_RENEW_SECONDS`;
  the node's Ready condition says what the kubelet reports (`Simulator.set_node_ready`).
  `Simulator.stop_kubelet(node)` stops everything (the node is lost: no heartbeats, no status
  updates, no logs, deletions never finish); the node-lifecycle controller notices.
- Pods: their status is what `podlife` computes from their annotations, the time they were
  bound (PodScheduled) and the clock, written only when it changes.
- Graceful deletion: a deleted pod's containers exit after `kubesim.io/termination-seconds`
  (default 0, at most its grace period), then the kubelet deletes it for good, never before
  the next tick: the pod is seen with its `deletionTimestamp` first.
"""

import contextlib
import hashlib
from dataclasses import dataclass, field

from kubesim.clock import parse_rfc3339, rfc3339_micro
from kubesim.errors import ApiError
from kubesim.nodes import ready_conditions
from kubesim.podlife import Timeline, pod_status, termination_due
from kubesim.resources import resource_for_kind

KUBELET = "kubelet"
LEASE_RENEW_SECONDS = 10.0
LEASE_DURATION_SECONDS = 40
LEASE_NAMESPACE = "kube-node-lease"
POD = resource_for_kind("Pod")
LEASE = resource_for_kind("Lease")


@dataclass
class Agent:
    """One node's kubelet."""

    running: bool = True
    ready: bool = True  # what it reports in the Ready condition
    lost_by: set = field(default_factory=set)  # pods whose node-lost-seconds already stopped it


def pod_ip(uid: str) -> str:
    digest = hashlib.sha256(uid.encode()).digest()
    return f"10.244.{digest[0]}.{max(digest[1], 2)}"


def bound_at(pod: dict) -> float:
    """When the pod was bound to its node: its PodScheduled condition, else its creation."""
    for condition in (pod.get("status") or {}).get("conditions") or ():
        if condition.get("type") == "PodScheduled" and condition.get("status") == "True" \
                and condition.get("lastTransitionTime"):
            return parse_rfc3339(condition["lastTransitionTime"])
    return parse_rfc3339(pod["metadata"]["creationTimestamp"])


class Kubelets:
    def __init__(self, manager):
        self.manager = manager
        self.api = manager.api
        self.store = manager.store
        self.agents: dict[str, Agent] = {}
        self._termination_seen: dict[str, int] = {}  # pod uid -> tick its deletion was first seen

    def agent(self, node: str) -> Agent | None:
        if node not in self.agents:
            obj = self.store.get("Node", "", node)
            if obj is None:
                return None
            ready = next((c for c in (obj.get("status") or {}).get("conditions") or () if c.get("type") == "Ready"), {})
            self.agents[node] = Agent(ready=ready.get("status", "True") == "True")
            self.manager.mark(("kubelet", node, "", ""))
        return self.agents[node]

    def answers(self, node: str) -> bool:
        agent = self.agent(node)
        return agent is not None and agent.running

    # --- the node -----------------------------------------------------------------------

    def start(self, node: str) -> None:
        agent = self.agent(node)
        if agent is None or agent.running:
            return
        agent.running = True
        self.manager.mark(("kubelet", node, "", ""))
        for namespace, name in self.manager.scheduler.pods_on(node):  # catch up on everything missed
            self.manager.mark(("Pod", namespace, name, ""))

    def stop(self, node: str) -> None:
        agent = self.agent(node)
        if agent is not None:
            agent.running = False

    def set_ready(self, node: str, ready: bool) -> None:
        agent = self.agent(node)
        if agent is not None:
            agent.ready = ready
            self.manager.mark(("kubelet", node, "", ""))

    def heartbeat(self, node_name: str, now: float) -> None:
        """Renew the node's Lease; post the node's conditions when what it reports changed."""
        agent = self.agent(node_name)
        node = self.store.get("Node", "", node_name)
        if agent is None or node is None or not agent.running:
            return
        lease = self.store.get("Lease", LEASE_NAMESPACE, node_name)
        renew = rfc3339_micro(now)
        if lease is None:
            body = {"metadata": {"name": node_name, "ownerReferences": [
                {"apiVersion": "v1", "kind": "Node", "name": node_name, "uid": node["metadata"]["uid"]}]},
                "spec": {"holderIdentity": node_name, "leaseDurationSeconds": LEASE_DURATION_SECONDS,
                         "renewTime": renew}}
            with contextlib.suppress(ApiError):  # no kube-node-lease namespace: no Lease, status only
                self.api.create(LEASE, LEASE_NAMESPACE, body, manager=KUBELET)
        else:
            self.api.update(lease, {"spec": dict(lease["spec"], renewTime=renew)}, KUBELET)
        status = node.get("status") or {}
        ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
        reported = "True" if agent.ready else "False"
        if ready is None or ready.get("status") != reported:
            self.api.update_status(node, dict(status, conditions=ready_conditions(agent.ready, now, now)), KUBELET)
        self.manager.wake_at(now + LEASE_RENEW_SECONDS, "kubelet", node_name, "")

    # --- pods ---------------------------------------------------------------------------

    def node_ip(self, node_name: str) -> str:
        for node in self.manager.scheduler.nodes():
            if node["metadata"]["name"] == node_name:
                for address in (node.get("status") or {}).get("addresses") or ():
                    if address.get("type") == "InternalIP":
                        return address["address"]
        return "10.0.0.1"

    def timeline(self, pod: dict) -> Timeline:
        return Timeline.of(pod, bound_at(pod))

    def sync(self, pod: dict, now: float) -> None:
        """Report the status of a pod bound to a node whose kubelet answers."""
        node_name = pod["spec"]["nodeName"]
        agent = self.agent(node_name)
        if agent is None or not agent.running:
            return
        metadata = pod["metadata"]
        if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            return
        t = self.timeline(pod)
        lost_at = t.lost_at
        if lost_at is not None and metadata["uid"] not in agent.lost_by and now >= lost_at and not t.finished(now):
            agent.lost_by.add(metadata["uid"])
            self.stop(node_name)
            return
        status = pod_status(pod, t, now, self.node_ip(node_name), pod_ip(metadata["uid"]),
                            ready_to_start_condition=True)
        status["qosClass"] = (pod.get("status") or {}).get("qosClass", "BestEffort")
        if status != pod.get("status"):
            self.api.update_status(pod, status, KUBELET)
        next_change = t.next_change(now)
        if next_change is not None:
            self.manager.wake_at(next_change, "Pod", metadata.get("namespace", ""), metadata["name"])

    def terminate(self, pod: dict, now: float) -> None:
        """A deleted pod: once its containers have exited (and a tick has passed), delete it for good."""
        metadata = pod["metadata"]
        node_name = pod["spec"].get("nodeName")
        if not node_name or not metadata.get("deletionGracePeriodSeconds"):
            return  # not on a node, or already finished here (finalizers keep it)
        agent = self.agent(node_name)
        if agent is None or not agent.running:
            return  # nobody stops the containers: the pod stays Terminating
        uid = metadata["uid"]
        first_tick = self._termination_seen.setdefault(uid, self.manager.ticks)
        deleted_at = parse_rfc3339(metadata["deletionTimestamp"]) - metadata["deletionGracePeriodSeconds"]
        due = termination_due(pod, deleted_at)
        namespace = metadata.get("namespace", "")
        if now < due:
            self.manager.wake_at(due, "Pod", namespace, metadata["name"])
            return
        if self.manager.ticks <= first_tick:
            self.manager.defer(("Pod", namespace, metadata["name"], ""))
            return
        self._termination_seen.pop(uid, None)
        try:
            self.api.delete(POD, namespace, metadata["name"], {"gracePeriodSeconds": 0, "preconditions": {"uid": uid}},
                            manager=KUBELET)
        except ApiError as error:
            if error.code not in (404, 409):
                raise
