"""State changes a person asks for (delete), applied to rows first and handed to Celery after commit."""

from django.db import transaction
from django.utils import timezone

from workloads import task_names
from workloads.lifecycle.queueing import enqueue_each_after_commit
from workloads.models import StatusChange, Workload
from workloads.status import WorkloadStatus


def request_delete(workloads, *, by_username: str) -> list[int]:
    """Mark the given workloads Deleting and queue their deletion; return the ids that were queued.

    `workloads` must already be scoped to what the user may see. A workload that is already
    Deleting or Deleted is left alone, so a double click or a stale page queues nothing twice.
    """
    now = timezone.now()
    with transaction.atomic():
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
            status_reason=f"delete requested by {by_username}",
            status_changed_at=now,
            delete_requested_at=now,
            delete_attempts=0,
            task_sent_at=now,
        )
        StatusChange.objects.bulk_create(
            StatusChange(
                workload_id=workload_id,
                from_status=old_status,
                to_status=WorkloadStatus.DELETING,
                reason=f"delete requested by {by_username}",
                at=now,
            )
            for workload_id, old_status in claimed
        )
        # After commit; a broker that is down is logged, not raised: the rows say Deleting
        # and resend_lost_tasks queues the deletes once the broker is back.
        enqueue_each_after_commit(task_names.DELETE_WORKLOAD, ids)
    return ids
