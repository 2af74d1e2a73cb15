"""Scaling a workload's controllers to zero (stop) and back (resume), and giving up on it.

`stop_request.py` writes the wanted state and queues the task; the task calls `stop_workload`
or `resume_workload` here. Each run first claims the work with a conditional UPDATE on
`scale_pending` that counts attempts, so a duplicate or redelivered message after the work is
done changes nothing, and a message that keeps killing its worker stops after a bounded
number of runs.

Only controllers in the workload's namespace (the tenant boundary), with a recorded uid (a
precondition of every patch), are scaled; a controller gone from the cluster (404) has
nothing left to scale. A stop records each controller's replicas before scaling it (a retry
keeps the first count), and resume restores them.

- A stop that is done makes the workload Terminated (`derive_status(..., stopped=True)`); one
  that fails (refused, or the cluster unreachable on the last attempt) is no stop: the wanted
  state is running again, the status as it was, the reason says why.
- A resume that is done makes it Pending (its controllers scale up; the refresh follows them);
  one that fails leaves it stopped (Terminated, its quota released) with the reason.
"""

import logging

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from workloads import bulk
from workloads.cluster import ClusterGateway, ClusterUnreachable, ScaleFailed
from workloads.cluster.kinds import SCALABLE_KINDS
from workloads.models import Component, ScaleVerb, Workload
from workloads.status import ComponentState, WorkloadStatus, derive_status
from workloads.transitions import Transition, apply_transitions, short, status_reason

logger = logging.getLogger(__name__)


def claim(workload_id: int, verb: ScaleVerb, attempt_limit: int) -> bool:
    """Take one attempt at the stop/resume; False when there is nothing to do."""
    return bool(
        Workload.objects.filter(id=workload_id, scale_pending=verb, scale_attempts__lt=attempt_limit).update(
            scale_attempts=F("scale_attempts") + 1, task_sent_at=timezone.now()
        )
    )


def give_up_if_exhausted(workload_id: int, verb: ScaleVerb, attempt_limit: int) -> bool:
    """A stop/resume still pending after `attempt_limit` runs (workers dying on it) fails."""
    if not Workload.objects.filter(id=workload_id, scale_pending=verb, scale_attempts__gte=attempt_limit).exists():
        return False
    _fail(workload_id, verb, f"gave up after {attempt_limit} attempts")
    return True


def controller_key(component) -> str:
    return f"{component.kind}/{component.name}"


def stop_workload(workload_id: int, *, final_attempt: bool) -> None:
    _scale(workload_id, ScaleVerb.STOP, final_attempt=final_attempt)


def resume_workload(workload_id: int, *, final_attempt: bool) -> None:
    _scale(workload_id, ScaleVerb.RESUME, final_attempt=final_attempt)


def _scale(workload_id: int, verb: ScaleVerb, *, final_attempt: bool) -> None:
    """Scale every controller of the workload; record the outcome. Raises ClusterUnreachable
    for the caller to retry, unless this is the final attempt (then the failure is recorded)."""
    workload = Workload.objects.select_related("cluster").get(id=workload_id)
    components = list(workload.components.all())
    controllers = [c for c in components if c.kind in SCALABLE_KINDS and c.state != ComponentState.DELETED]
    replicas_before = dict(workload.stopped_replicas or {})
    outcomes: dict[int, tuple[str, str]] = {}
    try:
        with ClusterGateway.for_cluster(workload.cluster) as gateway:
            for component in controllers:
                if component.namespace != workload.namespace or not component.uid:
                    _fail(workload_id, verb, f"{controller_key(component)} is not scaled: outside the "
                                             "workload's namespace or without a recorded uid")
                    return
                wanted = 0 if verb == ScaleVerb.STOP else _restored(replicas_before, component)
                try:
                    outcome = gateway.scale_component(
                        component.kind, component.namespace, component.name, component.uid, wanted
                    )
                except ScaleFailed as failure:
                    if failure.status_code == 404:
                        continue  # gone from the cluster: nothing to scale (the refresh records it)
                    _fail(workload_id, verb, f"{controller_key(component)}: {failure.message}")
                    return
                if verb == ScaleVerb.STOP:
                    replicas_before.setdefault(controller_key(component), outcome.previous_replicas)
                outcomes[component.pk] = (outcome.state, outcome.reason)
    except ClusterUnreachable as exc:
        if verb == ScaleVerb.STOP:
            _keep_replicas(workload_id, replicas_before)  # what was scaled so far, for the retry
        if not final_attempt:
            raise
        _fail(workload_id, verb, f"cluster unreachable: {exc.message}")
        return
    _record_done(workload_id, verb, components, outcomes, replicas_before)


def _restored(replicas_before: dict, component) -> int:
    value = replicas_before.get(controller_key(component), 1)
    return value if isinstance(value, int) and 0 < value <= 10_000 else 1


def _keep_replicas(workload_id: int, replicas_before: dict) -> None:
    Workload.objects.filter(id=workload_id, scale_pending=ScaleVerb.STOP).update(stopped_replicas=replicas_before)


def _record_done(workload_id, verb, components, outcomes, replicas_before) -> None:
    now = timezone.now()
    with transaction.atomic():
        # Lock the row: a refresh writing this workload waits, then sees our newer status.
        workload = (
            Workload.objects.select_for_update()
            .filter(id=workload_id, scale_pending=verb)
            .only("id", "stopped_by_name")
            .first()
        )
        if workload is None:
            return  # another run (or the give-up) got there first
        changed = []
        for component in components:
            if component.pk in outcomes:
                component.state, reason = outcomes[component.pk]
                component.reason, component.updated_at = short(reason), now
                changed.append(component)
        bulk.bulk_update(Component, changed, ["state", "reason", "updated_at"])
        stopping = verb == ScaleVerb.STOP
        status = derive_status((c.state for c in components), stopped=stopping)
        if stopping and status == WorkloadStatus.TERMINATED:
            reason = f"stopped by {workload.stopped_by_name}"
        else:
            reason = status_reason(status, components)
        apply_transitions([Transition(workload_id, status, reason)], now=now, only_if=Q(scale_pending=verb))
        done = {"scale_pending": ""}
        if stopping:
            done["stopped_replicas"] = replicas_before
        else:
            done.update(stopped_at=None, stopped_by=None, stopped_by_name="", stopped_replicas={})
        Workload.objects.filter(id=workload_id).update(**done)


def _fail(workload_id: int, verb: ScaleVerb, why: str) -> None:
    """A stop that failed is no stop (wanted running again, status as it was); a resume that
    failed leaves the workload stopped (Terminated: its quota released again)."""
    now = timezone.now()
    with transaction.atomic():
        workload = (
            Workload.objects.select_for_update()
            .filter(id=workload_id, scale_pending=verb)
            .only("id", "status")
            .first()
        )
        if workload is None:
            return
        if verb == ScaleVerb.STOP:
            transition = Transition(workload_id, workload.status, f"stop failed: {why}")
            fields = {"scale_pending": "", "stopped_at": None, "stopped_by": None, "stopped_by_name": ""}
        else:
            transition = Transition(workload_id, WorkloadStatus.TERMINATED, f"resume failed: {why}")
            fields = {"scale_pending": ""}
        apply_transitions([transition], now=now, only_if=Q(scale_pending=verb))
        Workload.objects.filter(id=workload_id).update(**fields)
    logger.warning("%s of workload %s failed: %s", verb.label, workload_id, why)
