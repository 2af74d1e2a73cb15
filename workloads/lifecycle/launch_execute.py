"""Creating a launched workload's objects in its cluster.

The quota/launch view stores the workload (Added, with its `spec`) and queues
`create_workload` after commit. Each run claims the workload with a conditional UPDATE that
counts attempts (only an Added workload with no delete requested). Object names are
deterministic, so a run after a crash first looks at what an earlier run created (in the
workload's namespace) and creates only the rest. The status then follows the components
(Pending, then Running via refresh).

A launch refused halfway (a quota refusing the Service after the Deployment was made, a field
the server would drop) ends Failed with the server's message. The gateway deletes what it had
created again; those objects are recorded as Deleted components, so the ReplicaSets and pods
the garbage collector removes after them are known as leftovers (`reconcile`), and the
workload stays Failed while they go.
"""

import logging

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from workloads import task_names
from workloads.cluster import (
    ClusterGateway,
    ClusterUnreachable,
    CreatedObject,
    CreateFailed,
    workload_selector,
)
from workloads.cluster.manifests import WorkloadSpec, build_manifests, workspace_url
from workloads.lifecycle.launch_spec import workload_spec
from workloads.lifecycle.queueing import enqueue_after_commit
from workloads.models import Component, Workload
from workloads.status import ComponentState, WorkloadStatus
from workloads.transitions import Transition, apply_transitions, short

logger = logging.getLogger(__name__)


def claim(workload_id: int, attempt_limit: int) -> int | None:
    """Take one attempt at creating the workload; its attempt number, or None if nothing to do."""
    claimed = Workload.objects.filter(
        id=workload_id,
        status=WorkloadStatus.ADDED,
        delete_requested_at__isnull=True,
        create_attempts__lt=attempt_limit,
    ).update(create_attempts=F("create_attempts") + 1, task_sent_at=timezone.now())
    if not claimed:
        return None
    return Workload.objects.filter(id=workload_id).values_list("create_attempts", flat=True).first()


def give_up_if_exhausted(workload_id: int, attempt_limit: int) -> bool:
    """A workload still Added after `attempt_limit` runs (workers dying on it, resends) fails."""
    exhausted = Q(
        status=WorkloadStatus.ADDED, delete_requested_at__isnull=True, create_attempts__gte=attempt_limit
    )
    changed = apply_transitions(
        [Transition(workload_id, WorkloadStatus.FAILED, f"create gave up after {attempt_limit} attempts")],
        only_if=exhausted,
    )
    return bool(changed)


def create_workload(workload_id: int, *, attempt: int, final_attempt: bool) -> None:
    """Create the objects and record them as components; a refusal makes the workload Failed.

    Raises ClusterUnreachable for the caller to retry, unless this is the final attempt.
    """
    workload = Workload.objects.select_related("project", "cluster").get(id=workload_id)
    try:
        spec = workload_spec(workload)
        manifests = build_manifests(spec)
    except ValueError as exc:
        _fail(workload_id, f"cannot build the workload: {exc}")
        return
    earlier: list[CreatedObject] = []
    try:
        with ClusterGateway.for_cluster(workload.cluster) as gateway:
            if attempt > 1:
                # An earlier run may have died after creating some objects: keep those.
                earlier = _made_earlier(gateway, workload)
                have = {(o.kind, o.name) for o in earlier}
                manifests = [m for m in manifests if (m["kind"], m["metadata"]["name"]) not in have]
            try:
                created = earlier + gateway.create_objects(manifests)
            except (CreateFailed, ClusterUnreachable) as exc:
                if isinstance(exc, CreateFailed) and earlier:
                    # No half-created workloads: what the earlier run made goes too.
                    undone, left = gateway.undo(earlier)
                    exc.undone, exc.left = exc.undone + tuple(undone), exc.left + tuple(left)
                raise
    except CreateFailed as exc:
        if exc.status_code == 409 and _created_by_another_run(workload, exc):
            # A duplicate message (a resend, a redelivery) ran at the same time and made this
            # object first: that run records the components; failing here would be false.
            logger.info(
                "workload %s: %s %s exists already, left to the run that made it",
                workload_id,
                exc.kind,
                exc.name,
            )
            return
        _refused(workload_id, exc.message, exc.undone, exc.left)
        return
    except ClusterUnreachable as exc:
        if not final_attempt:
            raise  # what it undid or left is found again by the next run's look (or its leftovers)
        _refused(workload_id, f"cluster unreachable: {exc.message}", exc.undone, exc.left)
        return
    _record(workload, spec, created)


def _made_earlier(gateway: ClusterGateway, workload: Workload) -> list[CreatedObject]:
    """The objects of this workload an earlier run created: devcenter's own (no owner, not on
    their way out), in the workload's namespace with its project's label."""
    return [
        CreatedObject(found.kind, found.name, found.namespace, found.uid, found.api_version)
        for found in gateway.list_components(workload_selector(workload.id), namespace=workload.namespace)
        if found.project == workload.project.name and not found.owner_uids and not found.deleting
    ]


def _created_by_another_run(workload: Workload, exc: CreateFailed) -> bool:
    """Whether the object that already exists carries this workload's labels."""
    try:
        with ClusterGateway.for_cluster(workload.cluster) as gateway:
            found = _made_earlier(gateway, workload)
    except ClusterUnreachable:
        return False
    return any(obj.kind == exc.kind and obj.name == exc.name for obj in found)


def _fail(workload_id: int, message: str) -> None:
    apply_transitions(
        [Transition(workload_id, WorkloadStatus.FAILED, message)], only_if=Q(status=WorkloadStatus.ADDED)
    )


def _refused(workload_id: int, message: str, undone, left) -> None:
    """Failed with `message`; what the launch created and deleted again is recorded Deleted (its
    leftovers are then known as such), what it could not delete again as created (a refresh
    follows it, a delete removes it)."""
    if left:
        message += "; could not delete again: " + ", ".join(
            f"{obj.kind} {obj.name} ({why})" for obj, why in left
        )
    now = timezone.now()
    rows = [
        Component.for_object(
            workload_id, obj, state=ComponentState.DELETED, reason="undone: the launch was refused", at=now
        )
        for obj in undone
    ] + [
        Component.for_object(
            workload_id,
            obj,
            state=ComponentState.PENDING,
            reason=short(f"created; not undone: {why}"),
            at=now,
        )
        for obj, why in left
    ]
    with transaction.atomic():
        Component.objects.bulk_create(rows, ignore_conflicts=True)
        _fail(workload_id, message)


def _record(workload: Workload, spec: WorkloadSpec, created: list[CreatedObject]) -> None:
    now = timezone.now()
    with transaction.atomic():
        row = (
            Workload.objects.select_for_update()
            .only("id", "status", "delete_requested_at")
            .get(id=workload.id)
        )
        Component.objects.bulk_create(
            [
                Component.for_object(workload.id, obj, state=ComponentState.PENDING, reason="created", at=now)
                for obj in created
            ],
            ignore_conflicts=True,  # a refresh may have recorded them first
        )
        url = workspace_url(spec)
        if url:
            Workload.objects.filter(id=workload.id).update(workspace_url=url)
        if row.delete_requested_at is not None:
            # Deleted while we were creating: the delete may have found nothing to delete.
            Workload.objects.filter(id=workload.id).update(delete_attempts=0, task_sent_at=now)
            apply_transitions(
                [
                    Transition(
                        workload.id, WorkloadStatus.DELETING, "objects created during delete; deleting them"
                    )
                ],
                now=now,
            )
            enqueue_after_commit(task_names.DELETE_WORKLOAD, workload.id)
            return
        apply_transitions(
            [
                Transition(
                    workload.id,
                    WorkloadStatus.PENDING,
                    short(f"created {len(created)} object{'' if len(created) == 1 else 's'} in the cluster"),
                )
            ],
            now=now,
            only_if=Q(status=WorkloadStatus.ADDED),
        )
