"""Deleting a workload's components from its cluster, and giving up on deletes that hang.

`request_delete` (delete_request.py) marks the workload Deleting and queues the task; the task
calls `delete_workload` here. Each run first claims the work with a conditional UPDATE that
counts attempts, so a duplicate or redelivered message after the workload is done changes
nothing, and a message that keeps killing its worker stops after a bounded number of runs.

Only objects in the workload's namespace are ever deleted (the tenant boundary): a component
recorded elsewhere is Delete Failed with the reason, never sent. A cluster that cannot be
reached (its connection settings included) is retried, then recorded Delete Failed with why.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from workloads import bulk
from workloads.cluster import ClusterGateway, ClusterUnreachable
from workloads.models import Component, Workload
from workloads.status import ComponentState, WorkloadStatus, derive_status
from workloads.transitions import Transition, apply_transitions, short, status_reason

logger = logging.getLogger(__name__)


class TransientDeleteError(Exception):
    """The API answered a delete with a server error (5xx): worth another try later."""


def claim(workload_id: int, attempt_limit: int) -> bool:
    """Take one attempt at deleting the workload; False when there is nothing to do."""
    return bool(
        Workload.objects.filter(
            id=workload_id, status=WorkloadStatus.DELETING, delete_attempts__lt=attempt_limit
        ).update(delete_attempts=F("delete_attempts") + 1, task_sent_at=timezone.now())
    )


def give_up_if_exhausted(workload_id: int, attempt_limit: int) -> bool:
    """A workload still Deleting after `attempt_limit` runs (workers dying on it) fails."""
    exhausted = Q(status=WorkloadStatus.DELETING, delete_attempts__gte=attempt_limit)
    if not Workload.objects.filter(exhausted, id=workload_id).exists():
        return False
    fail_deletes([workload_id], f"delete gave up after {attempt_limit} attempts", only_if=exhausted)
    return True


def delete_workload(workload_id: int, *, final_attempt: bool) -> None:
    """Delete every component not yet Deleted; record each outcome and the workload's status.

    Raises ClusterUnreachable / TransientDeleteError for the caller to retry, unless this is
    the final attempt: then what is left is recorded as Delete Failed with the message.
    """
    workload = Workload.objects.select_related("cluster").get(id=workload_id)
    components = list(workload.components.all())
    outcomes: dict[int, tuple[str, str]] = {}
    retry_error: Exception | None = None

    pending = [c for c in components if c.state != ComponentState.DELETED]
    if pending:
        try:
            with ClusterGateway.for_cluster(workload.cluster) as gateway:
                for component in pending:
                    outcome = _delete_one(gateway, workload, component)
                    if outcome is None:
                        continue
                    state, message, status_code = outcome
                    if (
                        state == ComponentState.DELETE_FAILED
                        and (status_code or 0) >= 500
                        and not final_attempt
                    ):
                        # A server error: leave it for the retry, carry on with the others.
                        retry_error = TransientDeleteError(message)
                        continue
                    outcomes[component.pk] = (state, message)
        except ClusterUnreachable as exc:
            # Stop at the first connection failure; what was deleted so far is recorded.
            retry_error = exc
            if final_attempt:
                for component in pending:
                    outcomes.setdefault(
                        component.pk, (ComponentState.DELETE_FAILED, f"cluster unreachable: {exc.message}")
                    )
                retry_error = None

    _record(workload_id, components, outcomes, retry_error)
    if retry_error is not None:
        raise retry_error


def _delete_one(gateway, workload, component):
    """(state, message, status code) of one delete call."""
    if component.namespace != workload.namespace:
        return (
            ComponentState.DELETE_FAILED,
            f"not deleted: {component.kind} {component.name} is in namespace {component.namespace!r}, "
            f"outside the workload's namespace {workload.namespace!r}",
            None,
        )
    if not component.uid:
        return ComponentState.DELETE_FAILED, "no uid recorded for this object: delete it by hand", None
    try:
        outcome = gateway.delete_component(component.kind, component.namespace, component.name, component.uid)
    except ValueError as exc:  # a name or kind the gateway refuses to delete
        return ComponentState.DELETE_FAILED, str(exc), None
    if outcome.ok:
        return ComponentState.DELETED, "deleted", outcome.status_code
    return ComponentState.DELETE_FAILED, outcome.message, outcome.status_code


def _record(workload_id, components, outcomes, retry_error) -> None:
    now = timezone.now()
    with transaction.atomic():
        # Lock the row: a refresh writing this workload waits, then sees our newer status.
        still_deleting = Workload.objects.select_for_update().filter(
            id=workload_id, status=WorkloadStatus.DELETING
        )
        if not still_deleting.exists():
            return  # the stuck-delete sweep or another run got there first
        changed = []
        for component in components:
            if component.pk in outcomes:
                component.state, component.reason = outcomes[component.pk]
                component.reason = short(component.reason)
                component.updated_at = now
                changed.append(component)
        bulk.bulk_update(Component, changed, ["state", "reason", "updated_at"])
        status = derive_status((c.state for c in components), deleting=True)
        reason = status_reason(status, components)
        if status == WorkloadStatus.DELETING and retry_error is not None:
            reason = f"retrying delete: {getattr(retry_error, 'message', None) or retry_error}"
        apply_transitions(
            [Transition(workload_id, status, reason)], now=now, only_if=Q(status=WorkloadStatus.DELETING)
        )


def stuck_after_words(seconds: int) -> str:
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


def fail_stuck_deletes() -> int:
    """Workloads Deleting for longer than DELETE_STUCK_AFTER_SECONDS become Delete Failed."""
    seconds = settings.DELETE_STUCK_AFTER_SECONDS
    stuck = Q(
        status=WorkloadStatus.DELETING, delete_requested_at__lt=timezone.now() - timedelta(seconds=seconds)
    )
    ids = list(Workload.objects.filter(stuck).values_list("id", flat=True)[:5000])
    return fail_deletes(ids, f"delete did not finish within {stuck_after_words(seconds)}", only_if=stuck)


def fail_deletes(workload_ids, reason: str, *, only_if: Q) -> int:
    """Mark the components not yet Deleted as Delete Failed, then re-derive the statuses.

    The components carry the failure too, so a later refresh that still sees the objects keeps
    the workload Delete Failed (rather than Deleting) until they are gone.
    """
    if not workload_ids:
        return 0
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Workload.objects.select_for_update()
            .filter(only_if, id__in=list(workload_ids))
            .values_list("id", flat=True)
        )
        components = list(Component.objects.filter(workload_id__in=ids))
        failed = [c for c in components if c.state != ComponentState.DELETED]
        for component in failed:
            component.state, component.reason, component.updated_at = (
                ComponentState.DELETE_FAILED,
                reason,
                now,
            )
        bulk.bulk_update(Component, failed, ["state", "reason", "updated_at"])
        by_workload = {workload_id: [] for workload_id in ids}
        for component in components:
            by_workload[component.workload_id].append(component)
        transitions = []
        for workload_id, comps in by_workload.items():
            status = derive_status((c.state for c in comps), deleting=True)
            transitions.append(
                Transition(workload_id, status, reason if status != WorkloadStatus.DELETED else "deleted")
            )
        changed = apply_transitions(transitions, now=now, only_if=only_if)
    if changed:
        logger.warning("%d deletes failed: %s", len(changed), reason)
    return len(changed)
