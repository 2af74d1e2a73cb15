"""Kubernetes object -> (ComponentState, reason): the rules of SPEC.md, "Component states".

Pure: takes objects as plain dicts (parsed JSON), does no I/O. One function per kind (the
kind registry, `kinds.py`, names each kind's), called as `state(obj, pods)` where `pods` are
the pods the object owns, directly or not. Conditions are read first, counters second.
Reasons are short plain words ("2 of 3 ready", "BackoffLimitExceeded: Job has reached the
specified backoff limit"). The rule that applies to every owner (a pod stuck in
CrashLoopBackOff makes it Failed) is `components.component_state`.
"""

from collections.abc import Sequence

from workloads.status import ComponentState

# Container waiting reasons that mean "this will not start by itself".
FAILURE_WAITING_REASONS = frozenset(
    {"CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError"}
)
_POD_PHASES = {
    "Pending": ComponentState.PENDING,
    "Running": ComponentState.RUNNING,
    "Succeeded": ComponentState.COMPLETED,
    "Failed": ComponentState.FAILED,
}

State = tuple[ComponentState, str]


def _reason(reason: str | None, message: str | None = None) -> str:
    reason = (reason or "").strip()
    message = " ".join((message or "").split())
    if reason and message:
        return f"{reason}: {message}"
    return reason or message


def _conditions(obj: dict) -> dict[str, dict]:
    """Conditions by type (the last one of a type wins)."""
    return {c.get("type"): c for c in (obj.get("status") or {}).get("conditions") or [] if c}


def _is_true(condition: dict | None) -> bool:
    return bool(condition) and str(condition.get("status")) == "True"


def _container_statuses(pod: dict) -> list[dict]:
    status = pod.get("status") or {}
    return [
        *(status.get("initContainerStatuses") or []),
        *(status.get("containerStatuses") or []),
    ]


def pod_failure(pod: dict) -> str | None:
    """The reason of a container waiting in a failure state ("ImagePullBackOff: ..."), or None."""
    for container in _container_statuses(pod):
        waiting = (container.get("state") or {}).get("waiting") or {}
        if waiting.get("reason") in FAILURE_WAITING_REASONS:
            return _reason(waiting["reason"], waiting.get("message"))
    return None


def pod_state(pod: dict, pods: Sequence[dict] = ()) -> State:
    status = pod.get("status") or {}
    phase = status.get("phase") or "Pending"
    if phase == "Unknown":
        return ComponentState.UNKNOWN, _reason("Unknown", status.get("reason") or status.get("message"))
    failure = pod_failure(pod)
    if failure and phase in ("Pending", "Running"):
        return ComponentState.FAILED, failure
    state = _POD_PHASES.get(phase, ComponentState.UNKNOWN)
    if state is ComponentState.FAILED:
        reason = _reason(status.get("reason"), status.get("message"))
        return state, reason or _terminated_reason(pod) or "Failed"
    if state is ComponentState.PENDING:
        return state, _pending_reason(pod)
    if state is ComponentState.COMPLETED:
        return state, "Succeeded"
    if state is ComponentState.RUNNING:
        return state, "Running"
    return state, f"phase {phase}"


def _terminated_reason(pod: dict) -> str:
    for container in _container_statuses(pod):
        terminated = (container.get("state") or {}).get("terminated") or {}
        code = terminated.get("exitCode")
        if code:
            return f"{terminated.get('reason') or 'Error'} (exit code {code})"
    return ""


def _pending_reason(pod: dict) -> str:
    scheduled = _conditions(pod).get("PodScheduled")
    if scheduled and str(scheduled.get("status")) == "False":
        return _reason(scheduled.get("reason") or "Unschedulable", scheduled.get("message"))
    for container in _container_statuses(pod):
        waiting = (container.get("state") or {}).get("waiting") or {}
        if waiting.get("reason"):
            return waiting["reason"]
    return "Pending"


def job_state(job: dict, pods: Sequence[dict] = ()) -> State:
    conditions = _conditions(job)
    for kind in ("Failed", "FailureTarget"):
        if _is_true(conditions.get(kind)):
            condition = conditions[kind]
            return ComponentState.FAILED, _reason(condition.get("reason") or kind, condition.get("message"))
    if _is_true(conditions.get("Complete")):
        return ComponentState.COMPLETED, "Complete"
    spec = job.get("spec") or {}
    status = job.get("status") or {}
    if spec.get("suspend") or _is_true(conditions.get("Suspended")):
        return ComponentState.PENDING, "Suspended"
    active = int(status.get("active") or 0)
    succeeded = int(status.get("succeeded") or 0)
    completions = spec.get("completions")
    if active > 0:
        # `active` counts pods that exist, pulling images or unscheduled included: the Job is
        # being executed only once one of its pods runs.
        phases = [(pod.get("status") or {}).get("phase") or "Pending" for pod in pods]
        if "Running" not in phases and "Pending" in phases:
            return ComponentState.PENDING, f"{phases.count('Pending')} pending"
        return ComponentState.RUNNING, f"{active} active" + (
            f", {succeeded} of {completions} succeeded" if completions and completions > 1 else ""
        )
    # No `completions` (a work queue): done when one pod succeeded and none is active.
    if succeeded >= (completions if completions is not None else 1) and succeeded > 0:
        return ComponentState.COMPLETED, f"{succeeded} succeeded"
    return ComponentState.PENDING, "Pending"


def replicas_state(obj: dict, pods: Sequence[dict] = ()) -> State:
    """Deployment / StatefulSet / ReplicaSet: failed conditions, then ready == desired."""
    conditions = _conditions(obj)
    replica_failure = conditions.get("ReplicaFailure")
    if _is_true(replica_failure):
        return ComponentState.FAILED, _reason(
            replica_failure.get("reason") or "ReplicaFailure", replica_failure.get("message")
        )
    progressing = conditions.get("Progressing")
    if (
        progressing
        and str(progressing.get("status")) == "False"
        and progressing.get("reason") == "ProgressDeadlineExceeded"
    ):
        return ComponentState.FAILED, _reason("ProgressDeadlineExceeded", progressing.get("message"))
    spec = obj.get("spec") or {}
    desired = spec.get("replicas")
    desired = 1 if desired is None else int(desired)
    ready = int((obj.get("status") or {}).get("readyReplicas") or 0)
    if desired == 0:
        # Holds nothing and waits for nothing (a stopped workload's controller): like a
        # helper object, it never keeps a workload Pending or Running.
        return ComponentState.COMPLETED, "scaled to 0"
    if ready >= desired:
        return ComponentState.RUNNING, f"{ready} of {desired} ready"
    return ComponentState.PENDING, f"{ready} of {desired} ready"


def helper_state(obj: dict, pods: Sequence[dict] = ()) -> State:
    """A Service, ConfigMap, ... never holds a workload in Pending or Running: Completed while it exists."""
    return ComponentState.COMPLETED, "exists"


def inference_service_state(isvc: dict, pods: Sequence[dict] = ()) -> State:
    """KServe InferenceService: its Ready condition. True -> Running; not True -> Pending with
    the condition's reason, or Failed when the reason says it failed; absent -> Pending."""
    ready = _conditions(isvc).get("Ready")
    if ready is None:
        return ComponentState.PENDING, "Pending"
    if _is_true(ready):
        return ComponentState.RUNNING, "ready"
    reason = str(ready.get("reason") or "")
    explained = _reason(reason, ready.get("message"))
    if "failed" in reason.lower() or reason == "ProgressDeadlineExceeded":
        return ComponentState.FAILED, explained
    return ComponentState.PENDING, explained or "not ready"
