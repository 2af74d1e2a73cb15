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
import math
from dataclasses import dataclass, field, replace

from kubesim.clock import parse_rfc3339, rfc3339_micro
from kubesim.errors import ApiError
from kubesim.events import NORMAL, WARNING
from kubesim.nodes import ready_conditions
from kubesim.podlife import Timeline, pod_status, termination_due
from kubesim.resources import resource_for_kind

KUBELET = "kubelet"
LEASE_RENEW_SECONDS = 10.0
LEASE_DURATION_SECONDS = 40
LEASE_NAMESPACE = "kube-node-lease"
POD = resource_for_kind("Pod")
LEASE = resource_for_kind("Lease")
MOUNT_RETRY_SECONDS = 10.0  # the kubelet's volume manager tries again


def _state(status: dict | None) -> tuple[str, dict]:
    state = (status or {}).get("state") or {}
    for name in ("running", "waiting", "terminated"):
        if name in state:
            return name, state[name] or {}
    return "", {}


def status_events(pod: dict, old: dict, new: dict) -> list[tuple[str, str, str]]:
    """The (type, reason, message) Events a kubelet reports for a pod going from status `old`
    to `new`, container by container, as the real one words them."""
    metadata = pod["metadata"]
    before = {s.get("name"): s for s in (old or {}).get("containerStatuses") or []}
    events = []
    for status in (new or {}).get("containerStatuses") or []:
        name, image = status.get("name"), status.get("image", "")
        previous = before.get(name)
        old_kind, old_state = _state(previous)
        kind, state = _state(status)
        reason = state.get("reason", "")
        if previous is None and kind == "waiting" and reason == "ContainerCreating":
            events.append((NORMAL, "Pulling", f'Pulling image "{image}"'))
        elif kind == "waiting" and reason in ("ErrImagePull", "ImagePullBackOff") and old_state.get("reason") != reason:
            if reason == "ErrImagePull":
                events.append((WARNING, "Failed", f'Failed to pull image "{image}": {state.get("message", "")}'))
            else:
                events.append((NORMAL, "BackOff", f'Back-off pulling image "{image}"'))
            events.append((WARNING, "Failed", f"Error: {reason}"))
        elif kind == "running" and (old_kind != "running" or old_state.get("startedAt") != state.get("startedAt")):
            if not status.get("restartCount"):
                events.append((NORMAL, "Pulled", f'Successfully pulled image "{image}"'))
            events.append((NORMAL, "Created", f"Created container: {name}"))
            events.append((NORMAL, "Started", f"Started container {name}"))
        ended = (status.get("lastState") or {}).get("terminated") or (state if kind == "terminated" else {})
        ended_before = ((previous or {}).get("lastState") or {}).get("terminated") or \
            (old_state if old_kind == "terminated" else {})
        if ended.get("reason") == "OOMKilled" and ended.get("finishedAt") != ended_before.get("finishedAt"):
            events.append((WARNING, "OOMKilling", f"Memory cgroup out of memory: Killed process of container {name} "
                                                  f"(OOMKilled, exit code {ended.get('exitCode')})"))
        if kind == "waiting" and reason == "CrashLoopBackOff" and (
                old_state.get("reason") != reason or status.get("restartCount") != (previous or {}).get("restartCount")):
            events.append((WARNING, "BackOff", f"Back-off restarting failed container {name} in pod "
                                               f"{metadata['name']}_{metadata.get('namespace', '')}({metadata['uid']})"))
        if kind == "running" and status.get("started") and not status.get("ready") and \
                ((pod["metadata"].get("annotations") or {}).get("kubesim.io/probe-failure") == "true") and \
                (old_kind != "running" or old_state.get("startedAt") != state.get("startedAt")):
            events.append((WARNING, "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503"))
    return events


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
        mount_problem = self.mount_problem(pod)
        if mount_problem:  # the volume manager waits: containers are not even created
            t = replace(t, start_at=math.inf)
        status = pod_status(pod, t, now, self.node_ip(node_name), pod_ip(metadata["uid"]),
                            ready_to_start_condition=True)
        status["qosClass"] = (pod.get("status") or {}).get("qosClass", "BestEffort")
        if status != pod.get("status"):
            self.api.update_status(pod, status, KUBELET)
            for type_, reason, message in status_events(pod, pod.get("status") or {}, status):
                self.manager.events.record(pod, type_, reason, message, KUBELET, node_name)
        if mount_problem:
            self.manager.events.record(pod, WARNING, "FailedMount", mount_problem, KUBELET, node_name)
            self.manager.wake_at(now + MOUNT_RETRY_SECONDS, "Pod", metadata.get("namespace", ""), metadata["name"])
            return
        next_change = t.next_change(now)
        if next_change is not None:
            self.manager.wake_at(next_change, "Pod", metadata.get("namespace", ""), metadata["name"])

    def mount_problem(self, pod: dict) -> str:
        """Why a volume of the pod cannot be mounted ("" when all can): a Secret or ConfigMap
        that does not exist (and is not optional)."""
        namespace = pod["metadata"].get("namespace", "")
        for volume in (pod.get("spec") or {}).get("volumes") or []:
            for volume_type, kind, key in (("secret", "Secret", "secretName"), ("configMap", "ConfigMap", "name")):
                source = volume.get(volume_type)
                if not source or source.get("optional"):
                    continue
                if self.store.get_entry(kind, namespace, source.get(key) or "") is None:
                    return (f'MountVolume.SetUp failed for volume "{volume.get("name", "")}" : '
                            f'{kind.lower()} "{source.get(key) or ""}" not found')
        return ""

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
