"""The one path by which workload statuses are written: rows and history lines, in bulk.

Every write of `Workload.status` in the product code goes through a function here (a test
scans the source for any other); a change of status is written with its reason, the time of
the change and one history line (`StatusChange`) in the same transaction:

- `create_workloads`: new rows with their first status (Added at launch; a Custom workload's
  status derived from its objects when the refresh adopts it);
- `mark_deleting`: the workloads a person asked to delete become Deleting;
- `apply_transitions`: every later change, derived from components (the refresh, the delete
  task, the stuck-delete sweep) or set by an event (a create refused or given up: Failed;
  objects created: Pending, or Deleting when a delete came meanwhile). A transition to the status a workload has already only updates its
  reason, with no history line.

`apply_transitions` locks the rows it is about to write, skips any whose status was set by
someone else after the caller looked (a delete requested while a refresh was listing the
cluster must not be overwritten by the refresh's older view), and stamps `started_at` (first
Running) and `finished_at` (first finished status) in the same write; `create_workloads`
stamps them the same way. The Django admin's change form is the one writer outside this
module (a platform admin's manual fix, with no history line).
"""

from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from workloads import bulk
from workloads.cluster.kinds import HELPER_KINDS
from workloads.models import StatusChange, Workload
from workloads.status import FINISHED, WorkloadStatus

BATCH_SIZE = settings.WRITE_BATCH_SIZE
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
            history.append(_history_line(workload.id, workload.status, transition.status, reason, now))
            _set_status(workload, transition.status, reason, now)
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


class NewWorkload(NamedTuple):
    """A workload row not saved yet and the status it starts with."""

    workload: Workload
    status: WorkloadStatus
    reason: str


def create_workloads(new: list[NewWorkload], *, now, history_reason: str | None = None) -> list[Workload]:
    """Insert the workloads with their first status and one history line each ("" -> status).

    `history_reason`: what the history line says when it is not the status reason (a Custom
    workload's line says where it came from; its status reason comes from its objects). The
    rows come back with their ids. Inside a caller's transaction no savepoint is made: a
    failure (a name taken meanwhile) is the caller's to handle, and aborts its transaction.
    """
    rows = []
    for workload, status, reason in new:
        _set_status(workload, status, short(reason), now)
        rows.append(workload)
    with transaction.atomic(savepoint=False):
        Workload.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        StatusChange.objects.bulk_create(
            (_history_line(w.id, "", w.status, short(history_reason or w.status_reason), now) for w in rows),
            batch_size=BATCH_SIZE,
        )
    return rows


def mark_deleting(workloads, *, reason: str, now=None, **fields) -> list[int]:
    """Mark Deleting each of `workloads` (a queryset) not Deleting or Deleted already; their ids.

    The rows are locked first, so two requests for one workload mark it once (the second finds
    it Deleting). One UPDATE writes the status, the time of the request, a fresh delete
    attempt count and `fields` (other columns stamped at the same moment).
    """
    now = now or timezone.now()
    reason = short(reason)
    with transaction.atomic(savepoint=False):
        claimed = list(
            workloads.select_for_update()
            .exclude(status__in=(WorkloadStatus.DELETING, WorkloadStatus.DELETED))
            .values_list("id", "status")
        )
        if not claimed:
            return []
        ids = [workload_id for workload_id, _ in claimed]
        Workload.objects.filter(id__in=ids).update(
            status=WorkloadStatus.DELETING,
            status_reason=reason,
            status_changed_at=now,
            delete_requested_at=now,
            delete_attempts=0,
            **fields,
        )
        StatusChange.objects.bulk_create(
            (
                _history_line(workload_id, old_status, WorkloadStatus.DELETING, reason, now)
                for workload_id, old_status in claimed
            ),
            batch_size=BATCH_SIZE,
        )
    return ids


# A workload back in one of these after a finished status (a stopped one resumed) is not finished.
_RUNS_AGAIN = frozenset({WorkloadStatus.ADDED, WorkloadStatus.PENDING, WorkloadStatus.RUNNING})


def _set_status(workload: Workload, status: WorkloadStatus, reason: str, now) -> None:
    workload.status = status
    workload.status_reason = reason
    workload.status_changed_at = now
    if status == WorkloadStatus.RUNNING and workload.started_at is None:
        workload.started_at = now
    if status in FINISHED and workload.finished_at is None:
        workload.finished_at = now
    elif status in _RUNS_AGAIN:  # resumed after a stop: it runs again, its run time is open again
        workload.finished_at = None


def _history_line(workload_id: int, from_status: str, to_status: str, reason: str, at) -> StatusChange:
    return StatusChange(
        workload_id=workload_id, from_status=from_status, to_status=to_status, reason=reason, at=at
    )


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
        (c for c in components if c.state in states), key=lambda c: (c.kind in HELPER_KINDS, c.kind)
    )
    if not explaining:
        return ""
    first = explaining[0]
    reason = first.reason or str(status.label)
    if len(components) > 1 and first.kind not in HELPER_KINDS and first.reason:
        reason = f"{first.kind}: {reason}"
    more = sum(
        1 for c in explaining[1:] if c.reason and c.reason != first.reason and c.kind not in HELPER_KINDS
    )
    return short(f"{reason} (+{more} more)" if more else reason)


def write_diagnoses(diagnoses, known) -> int:
    """Store each workload's dominant reason and time-to-start milestones (`sync.diagnosis`),
    only where they changed; returns how many rows were written. Not a status: no history line."""
    changed = [
        Workload(pk=d.workload_id, why=short(d.why), why_kind=d.why_kind[:20], start_timeline=d.start_timeline)
        for d in diagnoses
        if (known[d.workload_id].why, known[d.workload_id].why_kind, known[d.workload_id].start_timeline)
        != (short(d.why), d.why_kind[:20], d.start_timeline)
    ]
    bulk.bulk_update(Workload, changed, ["why", "why_kind", "start_timeline"], batch_size=BATCH_SIZE)
    return len(changed)
