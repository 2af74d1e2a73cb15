"""The one way a task changes workload statuses: rows and history lines written in bulk.

The refresh, the delete and launch tasks and the stuck-delete sweep all call
`apply_transitions`. It locks the rows it is about to write, skips any whose status was set
by someone else after the caller looked (a delete requested while a refresh was listing the
cluster must not be overwritten by the refresh's older view), and stamps `started_at`
(first Running) and `finished_at` (first finished status) in the same write.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from workloads import bulk
from workloads.cluster.kinds import HELPER_KINDS
from workloads.models import StatusChange, Workload
from workloads.status import FINISHED, WorkloadStatus

BATCH_SIZE = 500
REASON_MAX = 500


@dataclass(frozen=True)
class Transition:
    workload_id: int
    status: WorkloadStatus
    reason: str = ""


def short(text: str, limit: int = REASON_MAX) -> str:
    """One line of at most `limit` characters (reasons are shown in a table cell)."""
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def apply_transitions(
    transitions: list[Transition],
    *,
    now=None,
    not_changed_after=None,
    only_if: Q | None = None,
) -> list[int]:
    """Write the new statuses and reasons; return the ids whose status changed.

    `not_changed_after`: skip workloads whose status changed after this moment (the caller's
    snapshot is older than what is stored). `only_if`: a further condition on the rows (for
    example "still Deleting"). A transition to the current status only updates the reason,
    and writes no history line.
    """
    if not transitions:
        return []
    now = now or timezone.now()
    wanted = {t.workload_id: t for t in transitions}
    changed_ids = []
    with transaction.atomic():
        rows = Workload.objects.filter(id__in=list(wanted)).select_for_update()
        if not_changed_after is not None:
            rows = rows.filter(status_changed_at__lte=not_changed_after)
        if only_if is not None:
            rows = rows.filter(only_if)
        current = rows.only("id", "status", "status_reason", "started_at", "finished_at")
        to_update, history = [], []
        for workload in current:
            transition = wanted[workload.id]
            reason = short(transition.reason)
            if workload.status == transition.status:
                if workload.status_reason != reason:
                    workload.status_reason = reason
                    to_update.append(workload)
                continue
            history.append(
                StatusChange(
                    workload_id=workload.id,
                    from_status=workload.status,
                    to_status=transition.status,
                    reason=reason,
                    at=now,
                )
            )
            workload.status = transition.status
            workload.status_reason = reason
            workload.status_changed_at = now
            if transition.status == WorkloadStatus.RUNNING and workload.started_at is None:
                workload.started_at = now
            if transition.status in FINISHED and workload.finished_at is None:
                workload.finished_at = now
            to_update.append(workload)
            changed_ids.append(workload.id)
        if to_update:
            bulk.bulk_update(
                Workload,
                to_update,
                ["status", "status_reason", "status_changed_at", "started_at", "finished_at"],
                batch_size=BATCH_SIZE,
            )
        if history:
            StatusChange.objects.bulk_create(history, batch_size=BATCH_SIZE)
    return changed_ids


# Which component states explain each workload status (the reason shown beside it).
_EXPLAINED_BY = {
    WorkloadStatus.PENDING: ("pending",),
    WorkloadStatus.RUNNING: ("running",),
    WorkloadStatus.COMPLETE: ("completed",),
    WorkloadStatus.FAILED: ("failed",),
    WorkloadStatus.DELETE_FAILED: ("delete-failed",),
    WorkloadStatus.UNKNOWN: ("unknown", "pending", "deleted"),
    WorkloadStatus.TERMINATED: ("completed", "deleted"),
    WorkloadStatus.DELETED: ("deleted",),
}
# Helper objects (Service, ConfigMap...) rarely explain anything: mention them last.
_HELPER_KINDS = HELPER_KINDS


def status_reason(status: WorkloadStatus, components) -> str:
    """Short plain words from the components that explain `status` ("2 of 3 ready").

    `components`: objects with `kind`, `state` and `reason`.
    """
    components = list(components)
    if status == WorkloadStatus.ADDED:
        return "no components created yet"
    if status == WorkloadStatus.DELETING:
        left = sum(1 for c in components if c.state != "deleted")
        return f"waiting for {left} of {len(components)} components to be deleted"
    if status == WorkloadStatus.DELETED and not components:
        return "deleted"
    states = _EXPLAINED_BY.get(status, ())
    explaining = sorted(
        (c for c in components if c.state in states), key=lambda c: (c.kind in _HELPER_KINDS, c.kind)
    )
    if not explaining:
        return ""
    first = explaining[0]
    reason = first.reason or str(status.label)
    if len(components) > 1 and first.kind not in _HELPER_KINDS and first.reason:
        reason = f"{first.kind}: {reason}"
    more = sum(
        1 for c in explaining[1:] if c.reason and c.reason != first.reason and c.kind not in _HELPER_KINDS
    )
    return short(f"{reason} (+{more} more)" if more else reason)
