"""A workload's Event history: what the refresh listed, merged into the stored rows, bounded.

A listed Event already stored (same workload, same Event uid) updates its count and last seen
when they moved; a new one is added; each workload keeps its newest `WorkloadEvent.EVENTS_KEPT`.
Events gone from the cluster (expired there) stay in the history until pushed out. Nothing is
written when nothing changed; the cost is one read of the stored rows of the workloads that
have listed Events, plus bulk writes.
"""

from collections import Counter

from workloads import bulk
from workloads.models import WorkloadEvent
from workloads.transitions import BATCH_SIZE


def write_events(diagnoses) -> int:
    """Merge each diagnosis' Events into its workload's history; returns rows written."""
    listed = {d.workload_id: d.events for d in diagnoses if d.events}
    if not listed:
        return 0
    stored = {}
    for row in WorkloadEvent.objects.filter(workload_id__in=list(listed)).only(
        "id", "workload_id", "event_uid", "count", "last_seen"
    ):
        stored[(row.workload_id, row.event_uid)] = row
    creates, updates = [], []
    for workload_id, events in listed.items():
        for event in events:
            row = stored.get((workload_id, event.uid))
            if row is None:
                creates.append(WorkloadEvent(
                    workload_id=workload_id, event_uid=event.uid, type=event.type, reason=event.reason,
                    object_kind=event.object_kind, object_name=event.object_name, message=event.message,
                    count=event.count, first_seen=event.first_seen, last_seen=event.last_seen,
                ))
            elif (row.count, row.last_seen) != (event.count, event.last_seen):
                row.count, row.last_seen = event.count, event.last_seen
                updates.append(row)
    WorkloadEvent.objects.bulk_create(creates, batch_size=BATCH_SIZE, ignore_conflicts=True)
    bulk.bulk_update(WorkloadEvent, updates, ["count", "last_seen"], batch_size=BATCH_SIZE)
    kept = Counter(workload_id for workload_id, _ in stored) + Counter(c.workload_id for c in creates)
    pruned = _prune({workload_id for workload_id, count in kept.items() if count > WorkloadEvent.EVENTS_KEPT})
    return len(creates) + len(updates) + pruned


def _prune(workload_ids) -> int:
    """Delete all but the newest EVENTS_KEPT rows of these workloads."""
    if not workload_ids:
        return 0
    old = []
    for workload_id in workload_ids:
        ids = WorkloadEvent.objects.filter(workload_id=workload_id).order_by("-last_seen", "-id").values_list(
            "id", flat=True
        )[WorkloadEvent.EVENTS_KEPT:]
        old.extend(ids)
    deleted, _ = WorkloadEvent.objects.filter(id__in=old).delete() if old else (0, None)
    return deleted
