"""Admitting a launched workload against its project's quota on its cluster.

Atomic: the project's quota row on that cluster is locked (`SELECT ... FOR UPDATE`), the
usage of the project's workloads holding resources there is summed, and the workload row is
written, all in one transaction. Two launches at the same moment therefore queue on the lock
and the second one sees the first one's requests: together they can never exceed the quota.
Creation in the cluster is queued after commit (`workloads.tasks.create_workload`).

`dry_run` runs the very same checks without locking or writing (the launch form asks it as the
person types): it can only be more generous than `admit` when another launch commits between
the two, and then `admit`, which holds the lock, is the one that refuses.
"""

import contextlib
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from projects.models import Quota
from projects.resources import RESOURCES
from workloads import task_names
from workloads.cluster.manifests import workspace_url
from workloads.lifecycle.launch_spec import workload_spec
from workloads.lifecycle.queueing import enqueue_after_commit
from workloads.models import Workload, WorkloadType
from workloads.status import WorkloadStatus
from workloads.transitions import NewWorkload, create_workloads
from workloads.types import launchable
from workloads.usage import usage_by_cluster


class AdmissionRefused(Exception):
    """The workload was not admitted; `messages` say why (resource and numbers)."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__("; ".join(self.messages))


@dataclass(frozen=True)
class Launch:
    """What a person asked for. Resources are per pod; the type's record says how many pods."""

    name: str
    type: str  # WorkloadType value
    gpu: int
    cpu_millicores: int
    memory_bytes: int
    # image, command and the type's form fields (model, port, workspace_flavour, workers); stored
    # in Workload.spec with the per-pod gpu/cpu_millicores/memory_bytes (requested_* are totals).
    spec: dict

    @property
    def pods(self) -> int:
        return launchable(self.type).pods(self.spec)

    def requested(self) -> dict[str, int]:
        """Total requests, keyed like `Quota` fields."""
        return {
            "gpu": self.gpu * self.pods,
            "cpu_millicores": self.cpu_millicores * self.pods,
            "memory_bytes": self.memory_bytes * self.pods,
        }


def free_quota(quota: Quota, used: dict) -> dict[str, int]:
    """What the project may still request on the quota's cluster, keyed like `Quota` fields."""
    return {r.quota_field: max(getattr(quota, r.quota_field) - (used.get(r.quota_field) or 0), 0) for r in RESOURCES}


def quota_messages(quota: Quota, used: dict, requested: dict) -> list[str]:
    """Why `requested` (totals) does not fit beside `used` in `quota`: one message per resource
    over it, naming the numbers; [] when it fits. The one fit rule of admission."""
    messages = []
    for r in RESOURCES:
        want, limit = requested[r.quota_field], getattr(quota, r.quota_field)
        in_use = used.get(r.quota_field) or 0
        if want and in_use + want > limit:
            free = max(limit - in_use, 0)
            over = in_use + want - limit
            messages.append(
                f"{r.label}: requested {r.show(want)}, {r.show(free)} free of quota {r.show(limit)} "
                f"on cluster {quota.cluster.name} ({r.show(over)} over)"
            )
    return messages


def enqueue_create(workload_id: int) -> None:
    """Queue `create_workload` once the transaction commits (a dead broker is logged, not raised:
    the workload stays Added and `resend_lost_tasks` queues it again once the broker is back;
    it only resends creates that were sent once, hence the stamp)."""
    Workload.objects.filter(pk=workload_id).update(task_sent_at=timezone.now())
    enqueue_after_commit(task_names.CREATE_WORKLOAD, workload_id)


def _unsaved_workload(project, quota: Quota, launch: Launch, user, now) -> Workload:
    """The Added row a launch becomes once admitted (ValueError for a type it cannot have)."""
    requested = launch.requested()
    username = user.get_username()
    return Workload(
        project=project,
        cluster=quota.cluster,
        name=launch.name,
        type=launch.type,
        requested_gpu=requested["gpu"],
        requested_cpu_millicores=requested["cpu_millicores"],
        requested_memory_bytes=requested["memory_bytes"],
        namespace=quota.effective_namespace,
        spec={
            **launch.spec,
            "gpu": launch.gpu,
            "cpu_millicores": launch.cpu_millicores,
            "memory_bytes": launch.memory_bytes,
        },
        created_by=user,
        created_by_name=username,
        created_at=now,
    )


# The name a dry run previews with while the person has not typed one yet (a valid DNS label).
UNNAMED = "unnamed"


@dataclass(frozen=True)
class Admission:
    """What admission found: the quota, what the project holds under it, and the workload
    (saved by `admit`, unsaved by `dry_run`)."""

    quota: Quota
    used: dict[str, int]
    workload: Workload

    @property
    def free(self) -> dict[str, int]:
        return free_quota(self.quota, self.used)


def admit(project, cluster, user, launch: Launch) -> Workload:
    """Create the workload (Added) if it fits the project's quota on `cluster`; else AdmissionRefused."""
    return _admission(project, cluster, user, launch, dry_run=False).workload


def dry_run(project, cluster, user, launch: Launch) -> Admission:
    """`admit`'s checks without its lock and writes: an Admission when it would be admitted now,
    else AdmissionRefused with the same messages. A launch without a name yet is checked for
    everything but its name."""
    return _admission(project, cluster, user, launch, dry_run=True)


def _admission(project, cluster, user, launch: Launch, *, dry_run: bool) -> Admission:
    if launch.type == WorkloadType.CUSTOM:
        raise AdmissionRefused(["Custom workloads are found in the cluster, not launched."])
    if not launch.name and not dry_run:
        raise AdmissionRefused(["A workload needs a name."])
    # A dry run reads only: no transaction, no lock (each read sees what is committed).
    with contextlib.nullcontext() if dry_run else transaction.atomic():
        quotas = Quota.objects.select_related("cluster").filter(project=project, cluster=cluster).order_by()
        if not dry_run:
            # Lock the quota row only (of="self", no ordering join): Quota's default ordering
            # would join and lock the project row too, serialising every launch of the project
            # and deadlocking with inserts whose foreign-key checks need that row.
            quotas = quotas.select_for_update(of=("self",))
        quota = quotas.first()
        if quota is None:
            raise AdmissionRefused(
                [f"Project {project.name} has no quota on cluster {cluster.name}: ask a project admin for one."]
            )
        quota.project = project
        now = timezone.now()
        username = user.get_username()
        try:
            workload = _unsaved_workload(project, quota, launch, user, now)
            # The create task builds the same spec from the saved row: what cannot be built
            # is refused here, with the reason, instead of failing later in the worker.
            if not workload.name:
                workload.name = UNNAMED
            preview = workload_spec(workload)
            workload.name = launch.name
        except ValueError as error:
            raise AdmissionRefused([str(error)]) from error
        workload.workspace_url = workspace_url(preview)
        if (
            launch.name
            and Workload.objects.filter(project=project, name=launch.name)
            .exclude(status=WorkloadStatus.DELETED)
            .exists()
        ):
            raise AdmissionRefused([f"A workload named {launch.name} already exists in {project}."])
        used = usage_by_cluster(project, [cluster.pk]).get(cluster.pk, {})
        refusals = quota_messages(quota, used, launch.requested())
        if refusals:
            raise AdmissionRefused(refusals)
        if dry_run:
            return Admission(quota, used, workload)
        try:
            create_workloads([NewWorkload(workload, WorkloadStatus.ADDED, f"launched by {username}")], now=now)
        except IntegrityError:
            # The same name launched on another cluster at the same moment (the quota lock is
            # per cluster; the unique constraint is per project).
            raise AdmissionRefused([f"A workload named {launch.name} already exists in {project}."]) from None
        enqueue_create(workload.pk)
    return Admission(quota, used, workload)


def readmit(workload: Workload) -> None:
    """Admit a stopped workload again (resume): AdmissionRefused when its requests no longer fit.

    The same admission as a launch, inside the caller's transaction: the project's quota row
    on the workload's cluster is locked and the usage of what holds resources there is summed
    (a stopped workload holds nothing, so it is not counted); the caller then makes the
    workload hold resources again before the transaction ends.
    """
    quota = (
        Quota.objects.select_for_update(of=("self",))
        .select_related("cluster")
        .filter(project_id=workload.project_id, cluster_id=workload.cluster_id)
        .order_by()
        .first()
    )
    if quota is None:
        raise AdmissionRefused(["The project has no quota on this cluster any more: ask a project admin for one."])
    requested = {r.quota_field: getattr(workload, r.request_field) for r in RESOURCES}
    used = usage_by_cluster(workload.project_id, [workload.cluster_id]).get(workload.cluster_id, {})
    refusals = quota_messages(quota, used, requested)
    if refusals:
        raise AdmissionRefused(refusals)
