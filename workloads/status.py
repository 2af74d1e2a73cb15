"""Component states -> workload status: the rules of SPEC.md, "Statuses".

Pure: no I/O, no Django models. `derive_status` is how a status follows from components; the
refresh (`sync.reconcile`, and `sync.adoption` for a Custom workload's first status), the
delete task and the stuck-delete sweep call it. A few statuses follow from an event instead
and are decided where it happens: Added at launch, Deleting when a delete is requested (or
when objects turn up during one), Failed when a create is refused or gives up, Pending once
the objects are created. A stopped workload is Terminated (rule 4a) while its controllers stay
scaled to zero; while a stop is under way, or if its pods come back, the rules after it
apply as for any workload (it is not stopped yet). Every status, derived or not, is written by `workloads.transitions`.

The seed's conditions overlap and leave gaps, so the rules are applied in this order
and the first match wins (this order is the product's contract):

 1. no components, and no delete requested          -> Added
 2. any component Delete Failed                     -> Delete Failed
 3. every component Deleted (or none left after a
    delete was requested)                           -> Deleted
 4. a delete was requested                          -> Deleting
4a. a stop was requested (Stop and Resume), and every
    component Completed or Deleted (its controllers
    scaled to zero count as Completed)              -> Terminated
 5. any component Failed                            -> Failed
 6. any component Running                           -> Running
 7. every component Completed                       -> Complete
 8. every component Completed or Deleted            -> Terminated
 9. every component Pending or Completed
    (at least one Pending)                          -> Pending
10. otherwise                                       -> Unknown
"""

from collections.abc import Iterable

from django.db import models


class WorkloadStatus(models.TextChoices):
    ADDED = "added", "Added"
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    COMPLETE = "complete", "Complete"
    FAILED = "failed", "Failed"
    DELETING = "deleting", "Deleting"
    DELETED = "deleted", "Deleted"
    DELETE_FAILED = "delete-failed", "Delete Failed"
    TERMINATED = "terminated", "Terminated"
    UNKNOWN = "unknown", "Unknown"


class ComponentState(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    DELETED = "deleted", "Deleted"
    DELETE_FAILED = "delete-failed", "Delete Failed"
    UNKNOWN = "unknown", "Unknown"


# Statuses whose workloads still hold cluster resources (counted against quota).
HOLDING_RESOURCES = frozenset(
    {WorkloadStatus.ADDED, WorkloadStatus.PENDING, WorkloadStatus.RUNNING, WorkloadStatus.DELETING}
)

# Statuses a workload never leaves by itself: only a delete moves them on.
FINISHED = frozenset(
    {
        WorkloadStatus.COMPLETE,
        WorkloadStatus.FAILED,
        WorkloadStatus.TERMINATED,
        WorkloadStatus.DELETED,
    }
)


# What a stopped workload's components are once it holds nothing (rule 4a).
_SCALED_DOWN = frozenset({ComponentState.COMPLETED, ComponentState.DELETED})


def derive_status(
    states: Iterable[ComponentState], *, deleting: bool = False, stopped: bool = False
) -> WorkloadStatus:
    """Return the workload status for its components' states (SPEC order, first match wins).

    `stopped`: the wanted state is stopped (a person stopped it and has not resumed it).
    """
    present = {ComponentState(state) for state in states}
    if not present:
        # Rules 1 and 3: nothing left after a delete means it is gone.
        return WorkloadStatus.DELETED if deleting else WorkloadStatus.ADDED
    if ComponentState.DELETE_FAILED in present:
        return WorkloadStatus.DELETE_FAILED
    if present == {ComponentState.DELETED}:
        return WorkloadStatus.DELETED
    if deleting:
        return WorkloadStatus.DELETING
    if stopped and present <= _SCALED_DOWN:
        return WorkloadStatus.TERMINATED
    if ComponentState.FAILED in present:
        return WorkloadStatus.FAILED
    if ComponentState.RUNNING in present:
        return WorkloadStatus.RUNNING
    if present == {ComponentState.COMPLETED}:
        return WorkloadStatus.COMPLETE
    if present <= {ComponentState.COMPLETED, ComponentState.DELETED}:
        return WorkloadStatus.TERMINATED
    if ComponentState.PENDING in present and present <= {
        ComponentState.PENDING,
        ComponentState.COMPLETED,
    }:
        return WorkloadStatus.PENDING
    return WorkloadStatus.UNKNOWN
