"""Why a workload is not running, or why it failed: the one dominant reason. Pure: no I/O.

`dominant_reason(facts)` looks at what the last refresh saw of a workload (its status, its
pods' scheduling condition and container states, its recent Warning events, the room left on
its cluster and in its quota) and returns the single reason that best explains it, in plain
language with the evidence and a next step, or None when nothing holds it back. The rules go
from the most specific cause to the most general, first match wins:

1. a finished or healthy workload (Running, Complete, Terminated, Deleting, Deleted): none;
2. an image that cannot be pulled (ErrImagePull, ImagePullBackOff);
3. a container killed for memory (OOMKilled);
4. a crash loop (CrashLoopBackOff), and a container config error;
5. a volume that cannot be mounted (FailedMount on a pod whose containers have not started);
6. a pod the scheduler cannot place (PodScheduled=False, Unschedulable): GPUs or other
   resources short, a taint without toleration, an unbound claim, a node selector;
7. a pod the cluster's ResourceQuota refuses to create (FailedCreate "exceeded quota");
8. a Job out of retries (BackoffLimitExceeded), a readiness probe failing (Unhealthy);
9. otherwise a Failed workload's own status reason.

Only current facts count: a pod that is scheduled now is never reported Unschedulable from an
old condition, and an event counts only while the state it explains still holds.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from workloads.status import WorkloadStatus

NOT_HELD = frozenset({
    WorkloadStatus.RUNNING, WorkloadStatus.COMPLETE, WorkloadStatus.TERMINATED,
    WorkloadStatus.DELETING, WorkloadStatus.DELETED,
})
IMAGE_WAITING = ("ErrImagePull", "ImagePullBackOff", "InvalidImageName")
GPU = "nvidia.com/gpu"
_QUOTA_FIGURES = re.compile(r"(requested|used|limited): ([^,]*)")
_TAINT = re.compile(r"(\d+) node\(s\) had (?:untolerated )?taint \{([^}]*)\}")


@dataclass(frozen=True)
class ContainerFacts:
    name: str
    image: str = ""
    waiting_reason: str = ""
    waiting_message: str = ""
    terminated_reason: str = ""  # of the current state, else of the last one
    exit_code: int | None = None
    restarts: int = 0
    memory_limit_bytes: int | None = None
    running: bool = False
    ready: bool = False


@dataclass(frozen=True)
class PodFacts:
    name: str
    phase: str = "Pending"
    scheduled: bool = False  # PodScheduled=True now
    unschedulable_message: str = ""  # PodScheduled=False, reason Unschedulable
    created_at: datetime | None = None
    containers: tuple[ContainerFacts, ...] = ()
    uid: str = ""
    # The time-to-start milestones: bound to a node, every container started, Ready.
    scheduled_at: datetime | None = None
    started_at: datetime | None = None
    ready_at: datetime | None = None


@dataclass(frozen=True)
class EventFacts:
    type: str
    reason: str
    object_kind: str
    object_name: str
    message: str
    count: int = 1
    last_seen: datetime | None = None


@dataclass(frozen=True)
class WorkloadFacts:
    status: WorkloadStatus
    status_reason: str = ""
    project: str = ""
    cluster: str = ""
    requested_gpu: int = 0
    free_gpu: int | None = None  # free on the cluster's ready nodes (None: unknown)
    pods: tuple[PodFacts, ...] = ()
    events: tuple[EventFacts, ...] = field(default=())


@dataclass(frozen=True)
class Reason:
    kind: str  # "capacity", "quota", "image", "memory", "crash", "config", "mount", "taint", ...
    text: str

    @property
    def waits_for_room(self) -> bool:
        """Waiting for quota or capacity (what the quotas page lists)."""
        return self.kind in ("capacity", "quota")


def dominant_reason(facts: WorkloadFacts) -> Reason | None:
    if facts.status in NOT_HELD:
        return None
    containers = [(pod, c) for pod in facts.pods for c in pod.containers]
    warnings = [e for e in facts.events if e.type == "Warning"]
    for rule in (_image, _memory, _crash, _config):
        found = next((r for pod, c in containers if (r := rule(c))), None)
        if found:
            return found
    if reason := _mount(facts, warnings):
        return reason
    unschedulable = [pod for pod in facts.pods if not pod.scheduled and pod.unschedulable_message]
    if unschedulable:
        return _unschedulable(facts, unschedulable[0].unschedulable_message)
    if reason := _quota(facts, warnings):
        return reason
    if facts.status == WorkloadStatus.FAILED:
        backoff = next((e for e in warnings if e.reason == "BackoffLimitExceeded"), None)
        if backoff:
            return Reason("retries", f"Out of retries: {_sentence(backoff.message)} Check the logs of its last pod.")
    if any(c.running and not c.ready for _, c in containers):
        probe = next((e for e in warnings if e.reason == "Unhealthy"), None)
        if probe:
            return Reason("probe", f"Not ready: {_sentence(probe.message)} Check the probe and the app's health.")
    if facts.status == WorkloadStatus.FAILED and facts.status_reason:
        return Reason("failed", f"Failed: {_sentence(facts.status_reason)}")
    return None


# --- containers ---------------------------------------------------------------------------

def _image(c: ContainerFacts) -> Reason | None:
    if c.waiting_reason not in IMAGE_WAITING:
        return None
    message = c.waiting_message.lower()
    if "not found" in message or "notfound" in message or c.waiting_reason == "InvalidImageName":
        return Reason("image", f"Image not found: {c.image}. Check the image name.")
    return Reason("image", f"Image cannot be pulled: {c.image} ({c.waiting_reason}). "
                           "Check the image name and the registry's credentials.")


def _memory(c: ContainerFacts) -> Reason | None:
    if c.terminated_reason != "OOMKilled":
        return None
    limit = f"its {_bytes(c.memory_limit_bytes)} limit" if c.memory_limit_bytes else "its memory limit"
    return Reason("memory", f"Out of memory: container {c.name} used {limit} ({_restarts(c.restarts)}). "
                            "Raise memory.")


def _crash(c: ContainerFacts) -> Reason | None:
    if c.waiting_reason != "CrashLoopBackOff":
        return None
    code = f" with code {c.exit_code}" if c.exit_code is not None else ""
    return Reason("crash", f"Crash loop: container {c.name} exits{code} ({_restarts(c.restarts)}). Check its logs.")


def _config(c: ContainerFacts) -> Reason | None:
    if c.waiting_reason not in ("CreateContainerConfigError", "CreateContainerError"):
        return None
    return Reason("config", f"Container {c.name} cannot be created: {_sentence(c.waiting_message or c.waiting_reason)} "
                            "Check the Secrets and ConfigMaps it uses.")


# --- events and scheduling ----------------------------------------------------------------

def _mount(facts: WorkloadFacts, warnings) -> Reason | None:
    waiting = {pod.name for pod in facts.pods if pod.scheduled and not any(c.running for c in pod.containers)
               and pod.phase == "Pending"}
    event = next((e for e in warnings if e.reason == "FailedMount" and e.object_name in waiting), None)
    if event is None:
        return None
    return Reason("mount", f"Volume cannot be mounted: {_sentence(_after(event.message, ': '))} "
                           "Create what it names or fix the volume.")


def _unschedulable(facts: WorkloadFacts, message: str) -> Reason:
    where = f" on {facts.cluster}" if facts.cluster else ""
    if f"Insufficient {GPU}" in message and facts.requested_gpu:
        wanted = facts.requested_gpu
        if facts.free_gpu is not None and facts.free_gpu >= wanted:  # enough in all, not on one node
            return Reason("capacity", f"Waiting for {wanted} GPUs on one node: {facts.free_gpu} free{where}, "
                                      f"but no node has {wanted}. Lower the request or wait.")
        if facts.free_gpu is not None:
            free = max(0, facts.free_gpu)
            return Reason("capacity", f"Waiting for {wanted} GPU{'s' * (wanted != 1)}: {free} free{where} "
                                      f"({max(0, wanted - free)} short). Lower the request or wait.")
        return Reason("capacity", f"Waiting for {wanted} GPU{'s' * (wanted != 1)}{where}: {_sentence(message)} "
                                  "Lower the request or wait.")
    if "Insufficient" in message or "Too many pods" in message:
        short = ", ".join(sorted(set(re.findall(r"Insufficient ([\w/-]+(?:\.[\w/-]+)*)", message)))) or "pods"
        return Reason("capacity", f"Waiting for {short}{where}: {_sentence(message)} Lower the request or wait.")
    if taint := _TAINT.search(message):
        return Reason("taint", f"No node accepts it{where}: {taint.group(1)} node(s) have taint {{{taint.group(2)}}}, "
                               "which it does not tolerate. Add a toleration or use another cluster.")
    if "PersistentVolumeClaim" in message or "persistentvolumeclaim" in message:
        return Reason("storage", f"Waiting for storage: {_sentence(_after(message, 'available: '))} "
                                 "Check the claim and its storage class.")
    if "node selector" in message or "affinity" in message:
        return Reason("selector", f"No node matches{where}: {_sentence(message)} Fix the node selector.")
    return Reason("scheduling", f"Cannot be scheduled{where}: {_sentence(message)}")


def _quota(facts: WorkloadFacts, warnings) -> Reason | None:
    newest_pod = max((p.created_at for p in facts.pods if p.created_at), default=None)
    refused = [e for e in warnings if e.reason == "FailedCreate" and "exceeded quota" in e.message
               and (newest_pod is None or (e.last_seen is not None and e.last_seen > newest_pod))]
    if not refused:
        return None
    figures = dict(_QUOTA_FIGURES.findall(refused[0].message))
    limited, used = _gpu_figure(figures.get("limited")), _gpu_figure(figures.get("used"))
    who = facts.project or "the project"
    where = f" on {facts.cluster}" if facts.cluster else ""
    if limited is not None and used is not None:
        return Reason("quota", f"Quota: {who} has {max(0, limited - used)} of {limited} GPUs free{where}.")
    return Reason("quota", f"Quota: {_sentence(_after(refused[0].message, 'forbidden: '))} "
                           "Ask for more quota or wait for other workloads to finish.")


def _gpu_figure(text: str | None) -> int | None:
    """`requests.nvidia.com/gpu=16` -> 16 (None when it names no GPU count)."""
    for part in (text or "").split(","):
        name, _, value = part.strip().partition("=")
        if name.endswith(GPU) and value.isdigit():
            return int(value)
    return None


# --- wording ------------------------------------------------------------------------------

def _sentence(text: str) -> str:
    text = " ".join(str(text).split()).strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _after(text: str, marker: str) -> str:
    return text.split(marker, 1)[1] if marker in text else text


def _restarts(count: int) -> str:
    return f"{count} restart{'s' * (count != 1)}"


def _bytes(amount: int) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if amount >= size:
            value = amount / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{amount} B"
