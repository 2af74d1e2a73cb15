"""Stop and Resume a person asks for: the row is written first, the scale task queued after commit.

Only Workspace and Inference workloads (services that run until deleted) stop: their
controllers are scaled to zero, and back to the replicas they had. The wanted state is stored
(`stopped_at`, `stopped_by_name`), the work still to do too (`scale_pending`), which the task
claims (`scale_execute.py`).

- Stop: a Running or Pending workload keeps its status while its controllers scale down (it
  still holds its pods), with the reason "stopping, requested by dev"; the task makes it
  Terminated, which holds nothing: the quota is released then.
- Resume: admitted again like a launch (`launch_request.readmit`: the project's quota row
  locked, usage summed) and, in the same transaction, Pending again, so that it counts against
  the quota before anyone else can take its place. Refused with the quota message when it
  no longer fits; nothing changes then.
"""

from django.db import transaction
from django.utils import timezone

from workloads import task_names
from workloads.lifecycle.launch_request import AdmissionRefused, readmit
from workloads.lifecycle.queueing import enqueue_after_commit
from workloads.models import ScaleVerb, Workload, WorkloadStatus, WorkloadType
from workloads.transitions import Transition, apply_transitions
from workloads.types import STOPPABLE_TYPES


class ScaleRefused(Exception):
    """The stop or resume was not accepted; `messages` say why (shown on the page, a 4xx)."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__("; ".join(self.messages))


def _stoppable_names() -> str:
    return " and ".join(sorted(str(WorkloadType(t).label) for t in STOPPABLE_TYPES))


def _why_not_stoppable(workload: Workload) -> str:
    if workload.type not in STOPPABLE_TYPES:
        return (
            f"{workload.name} is a {workload.get_type_display()} workload: only {_stoppable_names()} "
            "workloads can be stopped (delete it instead)."
        )
    if workload.is_stopping or workload.stopped_at is not None:
        return f"{workload.name} is already stopped or being stopped."
    if workload.is_resuming:
        return f"{workload.name} is being resumed: stop it once that is done."
    return f"{workload.name} is {workload.get_status_display()}: only a Running or Pending workload can be stopped."


def request_stop(workloads, *, user) -> Workload:
    """Mark the one workload of `workloads` (scoped to what the user may see) as stopping and
    queue the stop; ScaleRefused when it cannot be stopped (a double click finds it stopping)."""
    now = timezone.now()
    username = user.get_username()
    with transaction.atomic():
        workload = workloads.select_for_update(of=("self",)).get()
        if not workload.is_stoppable:
            raise ScaleRefused([_why_not_stoppable(workload)])
        Workload.objects.filter(pk=workload.pk).update(
            stopped_at=now,
            stopped_by=user,
            stopped_by_name=username,
            stopped_replicas={},
            scale_pending=ScaleVerb.STOP,
            scale_attempts=0,
            task_sent_at=now,
        )
        # Same status, new reason: it still runs until its controllers are scaled down.
        apply_transitions([Transition(workload.pk, workload.status, f"stopping, requested by {username}")], now=now)
        enqueue_after_commit(task_names.STOP_WORKLOAD, workload.pk)
    return workload


def request_resume(workloads, *, user) -> Workload:
    """Admit the stopped workload again and queue its resume; ScaleRefused when it is not
    stopped or no longer fits its project's quota (nothing is changed then)."""
    now = timezone.now()
    username = user.get_username()
    with transaction.atomic():
        # The quota row first, then the workload: the order every admission locks in.
        workload = workloads.select_related("project", "cluster").get()
        if not workload.is_stopped:
            raise ScaleRefused([f"{workload.name} is not stopped: only a stopped workload can be resumed."])
        try:
            readmit(workload)
        except AdmissionRefused as refused:
            raise ScaleRefused([f"{workload.name} cannot be resumed: {m}" for m in refused.messages]) from None
        locked = workloads.select_for_update(of=("self",)).get()
        if not locked.is_stopped:  # resumed or deleted meanwhile
            raise ScaleRefused([f"{workload.name} is not stopped: only a stopped workload can be resumed."])
        Workload.objects.filter(pk=workload.pk).update(
            scale_pending=ScaleVerb.RESUME, scale_attempts=0, task_sent_at=now
        )
        # Pending holds resources: from here on it counts against the quota.
        apply_transitions([Transition(workload.pk, WorkloadStatus.PENDING, f"resuming, requested by {username}")], now=now)
        enqueue_after_commit(task_names.RESUME_WORKLOAD, workload.pk)
    return workload
