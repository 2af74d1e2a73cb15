"""State changes a person asks for (delete), applied to rows first and handed to Celery after commit."""

from django.db import transaction
from django.utils import timezone

from workloads import task_names
from workloads.lifecycle.queueing import enqueue_each_after_commit
from workloads.transitions import mark_deleting


def request_delete(workloads, *, by_username: str) -> list[int]:
    """Mark the given workloads Deleting and queue their deletion; return the ids that were queued.

    `workloads` must already be scoped to what the user may see. A workload that is already
    Deleting or Deleted is left alone, so a double click or a stale page queues nothing twice.
    """
    now = timezone.now()
    with transaction.atomic():
        ids = mark_deleting(workloads, reason=f"delete requested by {by_username}", now=now, task_sent_at=now)
        if not ids:
            return []
        # After commit; a broker that is down is logged, not raised: the rows say Deleting
        # and resend_lost_tasks queues the deletes once the broker is back.
        enqueue_each_after_commit(task_names.DELETE_WORKLOAD, ids)
    return ids
