"""Workloads, their Kubernetes components and their status history."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from projects.models import Project
from workloads.status import HOLDING_RESOURCES, ComponentState, WorkloadStatus
from workloads.types import (
    STOPPABLE_TYPES,
    WorkloadType,  # defined with its registry; most code imports it from here
)


class ScaleVerb(models.TextChoices):
    STOP = "stop", "Stop"
    RESUME = "resume", "Resume"


class WorkloadQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(project__in=Project.objects.for_user(user))

    def holding_resources(self):
        return self.filter(status__in=HOLDING_RESOURCES)


def status_lifecycle_rank():
    """A workload's status as its place in the lifecycle (Added 0 ... Unknown 9): the order
    WorkloadStatus declares them in. The Workloads page sorts by it; the index on
    (project, this, id) is built from the same expression, so the two always match."""
    return models.Case(
        *(models.When(status=value, then=models.Value(rank)) for rank, value in enumerate(WorkloadStatus.values)),
        default=models.Value(len(WorkloadStatus.values)),
        output_field=models.IntegerField(),
    )


def status_rank(status) -> int:
    """The rank status_lifecycle_rank() gives `status`, computed in Python (a cursor's key)."""
    values = WorkloadStatus.values
    return values.index(status) if status in values else len(values)


class Workload(models.Model):
    project = models.ForeignKey(Project, models.CASCADE, related_name="workloads")
    cluster = models.ForeignKey("projects.Cluster", models.PROTECT, related_name="workloads")
    name = models.CharField(max_length=253)
    type = models.CharField(max_length=20, choices=WorkloadType.choices)
    status = models.CharField(max_length=20, choices=WorkloadStatus.choices, default=WorkloadStatus.ADDED)
    status_reason = models.CharField(max_length=500, blank=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    # Why it is not running (or failed), from the last refresh (`workloads.dominant_reason`).
    why = models.CharField(max_length=500, blank=True)
    why_kind = models.CharField(max_length=20, blank=True)
    # Time-to-start milestones seen in the cluster (ISO times): created, scheduled, running, ready.
    start_timeline = models.JSONField(default=dict, blank=True)

    requested_gpu = models.PositiveIntegerField(default=0)
    requested_cpu_millicores = models.PositiveBigIntegerField(default=0)
    requested_memory_bytes = models.PositiveBigIntegerField(default=0)

    namespace = models.CharField(max_length=63)
    workspace_url = models.URLField(max_length=500, blank=True)
    # What was submitted (image, command, model, port, flavour...): kept to rebuild manifests.
    spec = models.JSONField(default=dict, blank=True)
    # Identity of a Custom workload found in the cluster ("<kind>/<namespace>/<name>").
    external_key = models.CharField(max_length=400, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The submitter as shown: a username, or "cluster" for objects found without one.
    created_by_name = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    delete_requested_at = models.DateTimeField(null=True, blank=True)
    delete_attempts = models.PositiveSmallIntegerField(default=0)
    # Runs of create_workload that claimed this workload (bounds redelivery loops).
    create_attempts = models.PositiveSmallIntegerField(default=0)
    # When a create/delete task was last queued or started for this workload. The queue is
    # only a wake-up call: `resend_lost_tasks` queues again what is still Added/Deleting with
    # an old value (for a delete, none counts as delete_requested_at), e.g. after a Redis
    # restart lost the message or the broker was down when the person clicked.
    task_sent_at = models.DateTimeField(null=True, blank=True)

    # Stop and resume (Workspace, Inference): the controllers are scaled to zero and back.
    # `stopped_at` set means the wanted state is stopped (from the request on); who and when
    # are shown beside Terminated ("Stopped by dev, 5 min ago").
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    stopped_by_name = models.CharField(max_length=150, blank=True)
    # The replicas each controller had before the stop ({"Deployment/name": 1}): resume restores them.
    stopped_replicas = models.JSONField(default=dict, blank=True)
    # The scale task still to run ("stop" / "resume"; "" when none): the tasks claim it.
    scale_pending = models.CharField(max_length=10, choices=ScaleVerb.choices, blank=True)
    # Runs of the stop/resume task that claimed this workload (bounds redelivery loops).
    scale_attempts = models.PositiveSmallIntegerField(default=0)

    objects = WorkloadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["project", "created_at", "id"], name="workload_project_created"),
            models.Index(fields=["project", "status", "created_at", "id"], name="workload_project_status"),
            models.Index(fields=["project", "type", "created_at", "id"], name="workload_project_type"),
            models.Index(fields=["project", "name", "id"], name="workload_project_name"),
            models.Index(fields=["cluster", "status"], name="workload_cluster_status"),
            # The Workloads page's counts per (type, status) for the filter: an index-only scan
            # of the project's entries, ~20 bytes each, not of the table's rows.
            models.Index(fields=["project", "type", "status"], name="workload_project_type_status"),
            # One per sortable column, each ending with id as the ordering does: a page is a
            # walk of the first (offset + size) entries instead of a sort of the project's rows.
            models.Index(fields=["project", "requested_gpu", "id"], name="workload_project_gpu"),
            models.Index(fields=["project", "requested_cpu_millicores", "id"], name="workload_project_cpu"),
            models.Index(fields=["project", "requested_memory_bytes", "id"], name="workload_project_memory"),
            models.Index(fields=["project", "cluster", "id"], name="workload_project_cluster"),
            # Sort by type: (type, id) as the ordering and a cursor compare it (migration 0010).
            models.Index(fields=["project", "type", "id"], name="workload_project_type_id"),
            models.Index(models.F("project"), status_lifecycle_rank(), models.F("id"), name="workload_project_lifecycle"),
            # Small: only rows waiting for a create or a delete (resend_lost_tasks' candidates).
            models.Index(
                fields=["status", "task_sent_at"],
                condition=models.Q(status__in=[WorkloadStatus.ADDED, WorkloadStatus.DELETING]),
                name="workload_awaiting_task",
            ),
            # Smaller still: only rows waiting for a stop or a resume (resend_lost_scales' candidates).
            models.Index(
                fields=["task_sent_at"], condition=~models.Q(scale_pending=""), name="workload_awaiting_scale"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "external_key"],
                condition=~models.Q(external_key=""),
                name="workload_unique_external_key",
            ),
            # A launched workload's name is unique among its project's live workloads (launches
            # on two clusters at once included). Custom workloads are named by the cluster.
            models.UniqueConstraint(
                fields=["project", "name"],
                condition=~models.Q(status=WorkloadStatus.DELETED) & ~models.Q(type=WorkloadType.CUSTOM),
                name="workload_unique_live_name",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def status_checked_at(self):
        """When the status was last known to be true: the cluster's last successful refresh or
        watch batch (`Cluster.last_seen_at`, one stamp per cluster, not per row) once the workload
        existed; a final status (Deleted) since it changed. None: not checked yet."""
        if self.status == WorkloadStatus.DELETED:
            return self.status_changed_at
        seen = self.cluster.last_seen_at
        return seen if seen is not None and seen >= self.created_at else None

    @property
    def is_deletable(self):
        return self.status not in (WorkloadStatus.DELETING, WorkloadStatus.DELETED)

    @property
    def is_stoppable(self):
        return (
            self.type in STOPPABLE_TYPES
            and self.status in (WorkloadStatus.RUNNING, WorkloadStatus.PENDING)
            and self.stopped_at is None
            and self.delete_requested_at is None
            and not self.scale_pending
        )

    @property
    def is_stopped(self):
        """Stopped and settled: Terminated by a stop, with no stop or resume under way."""
        return self.stopped_at is not None and self.status == WorkloadStatus.TERMINATED and not self.scale_pending

    @property
    def is_stopping(self):
        return self.scale_pending == ScaleVerb.STOP

    @property
    def is_resuming(self):
        return self.scale_pending == ScaleVerb.RESUME


class Component(models.Model):
    """A top-level Kubernetes object that carries the workload's labels (Job, Deployment, Service...)."""

    workload = models.ForeignKey(Workload, models.CASCADE, related_name="components")
    kind = models.CharField(max_length=63)
    api_version = models.CharField(max_length=63)
    name = models.CharField(max_length=253)
    namespace = models.CharField(max_length=63)
    uid = models.CharField(max_length=36, blank=True)
    state = models.CharField(max_length=20, choices=ComponentState.choices, default=ComponentState.PENDING)
    reason = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["workload", "kind", "name"]
        # The refresh looks components up by uid: the owners named by the garbage collector's leftovers.
        indexes = [models.Index(fields=["uid"], name="component_uid")]
        constraints = [
            models.UniqueConstraint(
                fields=["workload", "kind", "namespace", "name"], name="component_unique_object"
            )
        ]

    def __str__(self):
        return f"{self.kind}/{self.name}"

    @classmethod
    def for_object(cls, workload_id, obj, *, state, reason, at):
        """A row for a cluster object (one just observed or just created by the gateway)."""
        return cls(
            workload_id=workload_id,
            kind=obj.kind,
            api_version=obj.api_version,
            name=obj.name,
            namespace=obj.namespace,
            uid=obj.uid,
            state=state,
            reason=reason,
            updated_at=at,
        )


class StatusChange(models.Model):
    """One line of a workload's status history."""

    workload = models.ForeignKey(Workload, models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=WorkloadStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=WorkloadStatus.choices)
    reason = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["workload", "at", "id"]
        indexes = [models.Index(fields=["workload", "at"], name="statuschange_workload_at")]

    def __str__(self):
        return f"{self.workload}: {self.from_status or '-'} -> {self.to_status}"


class WorkloadEvent(models.Model):
    """One Kubernetes Event about a workload's objects (a repeat counts up, not a new row).
    The refresh keeps the newest `EVENTS_KEPT` per workload."""

    EVENTS_KEPT = 50

    workload = models.ForeignKey(Workload, models.CASCADE, related_name="events")
    event_uid = models.CharField(max_length=36)
    type = models.CharField(max_length=20)
    reason = models.CharField(max_length=128)
    object_kind = models.CharField(max_length=63)
    object_name = models.CharField(max_length=253)
    message = models.CharField(max_length=1000, blank=True)
    count = models.PositiveIntegerField(default=1)
    first_seen = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["workload", "-last_seen", "id"]
        constraints = [models.UniqueConstraint(fields=["workload", "event_uid"], name="workloadevent_unique")]
        indexes = [models.Index(fields=["workload", "last_seen"], name="workloadevent_workload_seen")]

    def __str__(self):
        return f"{self.workload}: {self.type} {self.reason}"


class WorkloadCount(models.Model):
    """Changes of how many workloads a project holds per (type, status): their SUM is the
    Workloads page's filter counts and its pager's total, one small read instead of a grouped
    COUNT over the project's rows (~60 ms at 300k, growing with the project).

    Written only by database triggers on every INSERT, UPDATE and DELETE of workloads (migration
    0009), so bulk SQL, `QuerySet.update()` and raw statements keep it right as the ORM does.
    Rows are only ever added (no writer waits for another); `workloads.web.counts` folds a
    project's rows into one per pair when they pile up. No foreign key constraint: a project's
    deletion removes its workloads first, and rows summing to 0 are harmless.
    """

    project = models.ForeignKey(Project, models.DO_NOTHING, db_constraint=False, related_name="+")
    type = models.CharField(max_length=20)
    status = models.CharField(max_length=20)
    n = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.project_id}/{self.type}/{self.status}: {self.n}"
