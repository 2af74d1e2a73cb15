"""Refresh one cluster: list what Kubernetes holds, reconcile the rows with it, write the plan.

Orchestration only. Under the cluster's lock (one refresh per cluster at a time): read the
cluster row and its quotas (which projects, in which namespaces), LIST through the gateway,
load the rows the objects may concern, let `reconcile` (pure: the rules) decide the writes,
write them, hand the objects of no known workload to `adoption` (Custom workloads), and mark
the cluster reachable and seen (`last_seen_at`: when every status on it was last checked, one
stamp for the cluster instead of one per row), all in one transaction: a refresh of a
cluster is all or nothing. A cluster that cannot be read (or reached, or whose connection
settings cannot be used) changes no status and is marked unreachable with the reason.

What the cluster holds is untrusted input: objects devcenter cannot read are left out, and
their count and reasons are recorded on the cluster (`skipped_objects`, `skipped_reason`, shown
to platform admins) and logged; amounts are bounded to what the columns hold.

The cost does not grow with the number of workloads: one paged LIST per kind (with the
selector of every project that has a quota on the cluster) and one LIST of nodes, then a fixed
number of queries plus bulk writes in batches. Only rows that changed are written, and a
status stored after this refresh started is never overwritten by its older view.
"""

import contextlib
import logging
import time
import uuid
from dataclasses import dataclass, fields

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from projects.models import Cluster, Quota
from workloads import bulk, metrics
from workloads.cluster import ClusterGateway, ClusterUnreachable, project_selector
from workloads.cluster.gateway import gc_paused
from workloads.models import Component, Workload
from workloads.status import WorkloadStatus
from workloads.sync.adoption import adopt
from workloads.sync.reasons import update_diagnoses
from workloads.sync.reconcile import (
    ComponentRow,
    Plan,
    ProjectNamespace,
    WorkloadRow,
    labelled_workload_ids,
    own_objects,
    reconcile,
)
from workloads.transitions import BATCH_SIZE, apply_transitions, short

logger = logging.getLogger(__name__)

# Longer than a refresh may run (the hard time limit kills it before), so a lock left by a
# killed worker expires by itself and the next beat tick refreshes again.
LOCK_SECONDS = settings.CELERY_TASK_TIME_LIMIT + 30
COMPONENT_FIELDS = tuple(f.name for f in fields(ComponentRow))  # the Component columns of the same names
SKIPPED_SHOWN = 5  # reasons kept on the cluster row


@dataclass
class RefreshResult:
    cluster_id: int
    skipped: bool = False
    reachable: bool = True
    error: str = ""
    observed: int = 0
    components_written: int = 0
    status_changes: int = 0
    custom_created: int = 0
    skipped_objects: int = 0
    cluster_name: str = ""

    @property
    def outcome(self) -> str:
        if not self.reachable:
            return "unreachable"
        return "not_written" if self.error else "ok"


def lock_key(cluster_id: int) -> str:
    return f"devcenter:refresh-cluster:{cluster_id}"


@contextlib.contextmanager
def cluster_lock(cluster_id: int):
    """Yield True when this caller holds the cluster's refresh lock (cache.add is atomic)."""
    key, token = lock_key(cluster_id), uuid.uuid4().hex
    acquired = cache.add(key, token, timeout=LOCK_SECONDS)
    try:
        yield acquired
    finally:
        # Release only our own lock: after an expiry another refresh may hold the key.
        if acquired and cache.get(key) == token:
            cache.delete(key)


def refresh_cluster(cluster_id: int) -> RefreshResult:
    """Refresh the cluster unless another refresh of it is running (then: skipped)."""
    with cluster_lock(cluster_id) as acquired:
        if not acquired:
            logger.info("refresh of cluster %s skipped: another one is running", cluster_id)
            return RefreshResult(cluster_id, skipped=True)
        started = time.perf_counter()
        # The cyclic GC would otherwise scan the refresh's hundreds of thousands of young
        # objects (rows, observed components) again and again; they hold no cycles.
        with gc_paused():
            result = _refresh(cluster_id)
        if result.cluster_name:
            metrics.record_refresh(result.cluster_name, time.perf_counter() - started, result.observed, result.outcome)
        return result


def _refresh(cluster_id: int) -> RefreshResult:
    result = RefreshResult(cluster_id)
    cluster = Cluster.objects.filter(pk=cluster_id).first()
    if cluster is None:
        result.skipped = True
        return result
    result.cluster_name = cluster.name
    quotas = Quota.objects.filter(cluster_id=cluster_id).select_related("project")
    namespaces = {
        quota.project.name: ProjectNamespace(quota.project_id, quota.effective_namespace) for quota in quotas
    }
    snapshot = timezone.now()
    skipped = []
    try:
        with ClusterGateway.for_cluster(cluster) as gateway:
            observed, events = [], []
            if namespaces:
                selector = project_selector(namespaces)
                observed = gateway.list_components(selector, settings.CLUSTER_LIST_PAGE_SIZE, skipped=skipped)
                # One more paged LIST per namespace: its Warning Events (why workloads wait).
                events = gateway.list_warning_events(
                    [ns.namespace for ns in namespaces.values()], settings.CLUSTER_EVENTS_PAGE_SIZE
                )
            capacity = gateway.node_capacity()
    except ClusterUnreachable as exc:
        message = mark_unreachable(cluster_id, exc.message)
        logger.warning("cluster %s unreachable: %s", cluster.name, message)
        result.reachable, result.error = False, message
        return result

    result.observed, result.skipped_objects = len(observed), len(skipped)
    if skipped:
        logger.warning(
            "cluster %s: %d objects skipped: %s", cluster.name, len(skipped), "; ".join(map(str, skipped[:5]))
        )
    try:
        with transaction.atomic():
            _update_workloads(cluster_id, namespaces, observed, snapshot, result)
            # Each known workload's dominant reason, time-to-start milestones and Event history.
            update_diagnoses(cluster_id, cluster.name, namespaces, observed, events, capacity.gpu)
            now = timezone.now()
            Cluster.objects.filter(pk=cluster_id).update(
                reachable=True,
                last_seen_at=now,
                unreachable_since=None,
                last_error="",
                capacity_gpu=capacity.gpu,
                capacity_cpu_millicores=capacity.cpu_millicores,
                capacity_memory_bytes=capacity.memory_bytes,
                skipped_objects=len(skipped),
                skipped_reason=skipped_reason(skipped),
                last_refreshed_at=now,
            )
    except DatabaseError as exc:
        # Nothing of this refresh was written (one transaction); say why instead of failing
        # every refresh of the cluster in silence.
        logger.exception("refresh of cluster %s could not be written", cluster.name)
        message = short(f"the refresh could not be written: {' '.join(str(exc).split())}")
        Cluster.objects.filter(pk=cluster_id).update(last_error=message, last_refreshed_at=timezone.now())
        result = RefreshResult(
            cluster_id, observed=len(observed), skipped_objects=len(skipped), error=message, cluster_name=cluster.name
        )
    return result


def mark_unreachable(cluster_id: int, message: str) -> str:
    """Record that the cluster cannot be read (since when, why); its statuses stay as they were."""
    message, now = short(message), timezone.now()
    Cluster.objects.filter(pk=cluster_id).update(
        reachable=False,
        unreachable_since=Coalesce("unreachable_since", now),
        last_error=message,
        last_refreshed_at=now,
    )
    return message


def skipped_reason(skipped) -> str:
    """The first few reasons, one line (all of them are in the log)."""
    if not skipped:
        return ""
    shown = "; ".join(str(s) for s in skipped[:SKIPPED_SHOWN])
    more = len(skipped) - SKIPPED_SHOWN
    return short(f"{shown}; and {more} more" if more > 0 else shown, 1000)


def _update_workloads(cluster_id, namespaces, observed, snapshot, result: RefreshResult) -> None:
    # Only the projects we listed: a project without a quota here any more was not asked
    # about, so the absence of its objects proves nothing.
    listed = [project.project_id for project in namespaces.values()]
    owner_uids = {uid for obs in own_objects(observed, namespaces) for uid in obs.owner_uids}
    workloads, components = _known_rows(
        cluster_id, listed, labelled_workload_ids(observed, namespaces), owner_uids
    )
    now = timezone.now()
    plan = reconcile(namespaces, observed, workloads, components, snapshot=snapshot, now=now)
    result.components_written, result.status_changes = write_plan(plan, snapshot, now)
    result.custom_created = adopt(cluster_id, namespaces, plan.unknown, now)


def _known_rows(cluster_id, listed, labelled_ids, owner_uids=()) -> tuple[list[WorkloadRow], list[ComponentRow]]:
    """The workloads not Deleted, the Deleted ones that listed objects name (still, or again,
    in the cluster) or whose components own listed objects (the garbage collector's leftovers
    of a Custom workload), and their components."""
    rows = Workload.objects.filter(cluster_id=cluster_id, project_id__in=listed)
    workloads = {w.id: w for w in workload_rows(rows.exclude(status=WorkloadStatus.DELETED))}
    if owner_uids:
        owning = Component.objects.filter(
            uid__in=list(owner_uids), workload__cluster_id=cluster_id, workload__project_id__in=listed
        ).values_list("workload_id", flat=True)
        labelled_ids = labelled_ids | set(owning)
    deleted_but_listed = labelled_ids - workloads.keys()
    if deleted_but_listed:
        workloads.update((w.id, w) for w in workload_rows(rows.filter(id__in=deleted_but_listed)))
    components = Component.objects.filter(
        workload__cluster_id=cluster_id, workload__project_id__in=listed
    ).filter(~Q(workload__status=WorkloadStatus.DELETED) | Q(workload_id__in=list(deleted_but_listed)))
    component_rows = [ComponentRow(*values) for values in components.values_list(*COMPONENT_FIELDS)]
    return list(workloads.values()), component_rows


def workload_rows(queryset):
    for (
        id_, project_id, status, reason, delete_requested_at, changed_at, namespace, stopped_at, scale_pending
    ) in queryset.values_list(
        "id", "project_id", "status", "status_reason", "delete_requested_at", "status_changed_at", "namespace",
        "stopped_at", "scale_pending",
    ):
        yield WorkloadRow(
            id_, project_id, status, reason, delete_requested_at is not None, changed_at, namespace,
            stopped=stopped_at is not None, scaling=bool(scale_pending),
        )


def write_plan(plan: Plan, snapshot, now) -> tuple[int, int]:
    """Write the plan (in the refresh's transaction: no savepoint of its own); (components
    written, statuses changed)."""
    with transaction.atomic(savepoint=False):
        # Lock what we are about to write and drop workloads whose status someone else set
        # after our snapshot (a delete requested meanwhile): their rows are newer than our view.
        fresh = set()
        if candidates := plan.workload_ids:
            fresh = set(
                Workload.objects.filter(id__in=list(candidates), status_changed_at__lte=snapshot)
                .select_for_update()
                .values_list("id", flat=True)
            )
        updates = [
            Component(
                pk=c.id,
                state=c.state,
                reason=c.reason,
                uid=c.uid,
                api_version=c.api_version,
                updated_at=c.updated_at,
            )
            for c in plan.component_updates
            if c.workload_id in fresh
        ]
        creates = [
            Component.for_object(c.workload_id, c, state=c.state, reason=c.reason, at=c.updated_at)
            for c in plan.component_creates
            if c.workload_id in fresh
        ]
        bulk.bulk_update(
            Component, updates, ["state", "reason", "uid", "api_version", "updated_at"], batch_size=BATCH_SIZE
        )
        Component.objects.bulk_create(creates, batch_size=BATCH_SIZE, ignore_conflicts=True)
        changed = apply_transitions(
            [t for t in plan.transitions if t.workload_id in fresh], now=now, not_changed_after=snapshot
        )
    return len(updates) + len(creates), len(changed)
