"""A listed pod -> what the dominant reason and the time-to-start need of it. Pure: no I/O.

Pods are untrusted input: a part of the wrong type reads as absent, never an exception.
"""

from workloads.dominant_reason import ContainerFacts, PodFacts

from .quantities import memory_bytes
from .times import parse_time


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def _dicts(value) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value, limit: int = 500) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _condition(status: dict, kind: str) -> dict:
    return next((c for c in _dicts(status.get("conditions")) if c.get("type") == kind), {})


def _memory(value) -> int | None:
    try:
        return memory_bytes(value) if value is not None else None
    except (ValueError, TypeError):
        return None


def container_facts(spec_container: dict, status: dict) -> ContainerFacts:
    state, last = _mapping(status.get("state")), _mapping(status.get("lastState"))
    waiting = _mapping(state.get("waiting"))
    terminated = _mapping(state.get("terminated")) or _mapping(last.get("terminated"))
    oom = terminated.get("reason") == "OOMKilled"
    # Only an OOM kill is explained by the limit: parsing it for every pod cost ~20% of the facts.
    limit = _mapping(_mapping(spec_container.get("resources")).get("limits")).get("memory") if oom else None
    exit_code = terminated.get("exitCode")
    restarts = status.get("restartCount")
    return ContainerFacts(
        name=_text(status.get("name") or spec_container.get("name"), 63),
        image=_text(status.get("image") or spec_container.get("image")),
        waiting_reason=_text(waiting.get("reason"), 63),
        waiting_message=_text(waiting.get("message")),
        terminated_reason=_text(terminated.get("reason"), 63),
        exit_code=exit_code if isinstance(exit_code, int) else None,
        restarts=restarts if isinstance(restarts, int) and restarts >= 0 else 0,
        memory_limit_bytes=_memory(limit),
        running=bool(state.get("running")),
        ready=status.get("ready") is True,
    )


def pod_facts(pod: dict) -> PodFacts:
    metadata, spec, status = _mapping(pod.get("metadata")), _mapping(pod.get("spec")), _mapping(pod.get("status"))
    specs = {c.get("name"): c for c in _dicts(spec.get("containers"))}
    statuses = _dicts(status.get("containerStatuses"))
    containers = tuple(container_facts(specs.get(s.get("name"), {}), s) for s in statuses) or tuple(
        container_facts(c, {}) for c in specs.values()
    )
    scheduled = _condition(status, "PodScheduled")
    ready = _condition(status, "Ready")
    started = [parse_time(_mapping(_mapping(s.get("state")).get("running")).get("startedAt")) for s in statuses]
    all_started = bool(started) and all(started) and len(started) == len(specs or started)
    return PodFacts(
        name=_text(metadata.get("name"), 253),
        phase=_text(status.get("phase"), 20) or "Pending",
        scheduled=scheduled.get("status") == "True",
        unschedulable_message=_text(scheduled.get("message"))
        if scheduled.get("status") == "False" and scheduled.get("reason") == "Unschedulable" else "",
        created_at=parse_time(metadata.get("creationTimestamp")),
        containers=containers,
        uid=_text(metadata.get("uid"), 36),
        scheduled_at=parse_time(scheduled.get("lastTransitionTime")) if scheduled.get("status") == "True" else None,
        started_at=max(started) if all_started else None,
        ready_at=parse_time(ready.get("lastTransitionTime")) if ready.get("status") == "True" else None,
    )
