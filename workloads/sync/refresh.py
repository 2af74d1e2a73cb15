"""Refresh one cluster: what Kubernetes says -> components -> workload statuses.

The cost does not grow with the number of workloads: one paged LIST per kind (with the
selector of every project that has a quota on the cluster) and one LIST of nodes, then a fixed
number of queries plus bulk writes in batches. Only rows that changed are written.

Rules kept here (SPEC "Statuses"):
- an object counts only with its project's label, in that project's namespace on this
  cluster, and it is matched to a workload of that project on this cluster (a label never
  moves a workload across projects);
- a component gone from the cluster is Deleted when a delete was requested, keeps its state
  when it was Completed or Failed (a finished Job removed by its TTL), and is Deleted otherwise;
- a labelled object with no known workload becomes a Custom workload;
- a cluster that cannot be read changes no status and is marked unreachable;
- a status stored after this refresh started is never overwritten by its older view.
"""

import contextlib
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from kubernetes.config import ConfigException

from projects.models import Cluster, Quota
from workloads import bulk
from workloads.cluster import ClusterConnection, ClusterGateway, ClusterUnreachable, project_selector
from workloads.cluster.kinds import HELPER_KINDS
from workloads.models import Component, StatusChange, Workload, WorkloadType
from workloads.status import ComponentState, WorkloadStatus, derive_status
from workloads.transitions import BATCH_SIZE, Transition, apply_transitions, short, status_reason

logger = logging.getLogger(__name__)

PAGE_SIZE = 500
# Longer than a refresh may run (the hard time limit kills it before), so a lock left by a
# killed worker expires by itself and the next beat tick refreshes again.
LOCK_SECONDS = settings.CELERY_TASK_TIME_LIMIT + 30
_KEEP_WHEN_GONE = frozenset({ComponentState.COMPLETED, ComponentState.FAILED})
_HELPER_KINDS = HELPER_KINDS
_WORKLOAD_FIELDS = (
    "id",
    "project_id",
    "status",
    "status_reason",
    "status_changed_at",
    "delete_requested_at",
)


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
        return _refresh(cluster_id)


def _refresh(cluster_id: int) -> RefreshResult:
    result = RefreshResult(cluster_id)
    cluster = Cluster.objects.filter(pk=cluster_id).first()
    if cluster is None:
        result.skipped = True
        return result
    quotas = Quota.objects.filter(cluster_id=cluster_id).select_related("project")
    projects = {quota.project.name: (quota.project_id, quota.effective_namespace) for quota in quotas}
    snapshot = timezone.now()
    try:
        with ClusterGateway(ClusterConnection.from_record(cluster)) as gateway:
            observed = gateway.list_components(project_selector(projects), PAGE_SIZE) if projects else []
            capacity = gateway.node_capacity()
    except (ClusterUnreachable, ConfigException, ValueError, OSError) as exc:
        message = short(getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}")
        now = timezone.now()
        Cluster.objects.filter(pk=cluster_id).update(
            reachable=False,
            unreachable_since=Coalesce("unreachable_since", now),
            last_error=message,
            last_refreshed_at=now,
        )
        logger.warning("cluster %s unreachable: %s", cluster.name, message)
        result.reachable, result.error = False, message
        return result

    result.observed = len(observed)
    _reconcile(cluster_id, projects, observed, snapshot, result)
    now = timezone.now()
    Cluster.objects.filter(pk=cluster_id).update(
        reachable=True,
        last_seen_at=now,
        unreachable_since=None,
        last_error="",
        capacity_gpu=capacity.gpu,
        capacity_cpu_millicores=capacity.cpu_millicores,
        capacity_memory_bytes=capacity.memory_bytes,
        last_refreshed_at=now,
    )
    return result


def _as_id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _key(obj) -> tuple[str, str, str]:
    return (obj.kind, obj.namespace, obj.name)


def _reconcile(cluster_id, projects, observed, snapshot, result: RefreshResult) -> None:
    project_ids = {slug: project_id for slug, (project_id, _) in projects.items()}
    # Only the projects we listed: a project without a quota here any more was not asked
    # about, so the absence of its objects proves nothing.
    listed = list(project_ids.values())
    # An object counts only in its project's namespace: a label alone cannot put an object
    # into another project's view.
    accepted = [
        obs for obs in observed if obs.project in projects and obs.namespace == projects[obs.project][1]
    ]

    workloads = {
        w.id: w
        for w in Workload.objects.filter(cluster_id=cluster_id, project_id__in=listed)
        .exclude(status=WorkloadStatus.DELETED)
        .only(*_WORKLOAD_FIELDS)
    }
    # Deleted workloads whose objects are still (or again) in the cluster.
    missing = {i for obs in accepted if (i := _as_id(obs.workload_id)) is not None} - workloads.keys()
    if missing:
        workloads.update(
            (w.id, w)
            for w in Workload.objects.filter(
                cluster_id=cluster_id, project_id__in=listed, id__in=missing
            ).only(*_WORKLOAD_FIELDS)
        )
    components = Component.objects.filter(
        workload__cluster_id=cluster_id, workload__project_id__in=listed
    ).filter(~Q(workload__status=WorkloadStatus.DELETED) | Q(workload_id__in=list(missing)))
    by_workload = defaultdict(list)
    by_key = {}
    for component in components.only(
        "id",
        "workload_id",
        "kind",
        "api_version",
        "name",
        "namespace",
        "uid",
        "state",
        "reason",
        "updated_at",
    ):
        if component.workload_id in workloads:
            by_workload[component.workload_id].append(component)
            by_key[_key(component)] = component

    # Match objects to workloads: by the workload-id label, else by a component recorded
    # earlier (Custom workloads); always within the object's project.
    matched = defaultdict(list)
    unknown = []
    for obs in accepted:
        project_id = project_ids[obs.project]
        workload = workloads.get(_as_id(obs.workload_id))
        if workload is None or workload.project_id != project_id:
            known = by_key.get(_key(obs))
            workload = workloads.get(known.workload_id) if known else None
        if workload is None or workload.project_id != project_id:
            unknown.append(obs)
        else:
            matched[workload.id].append(obs)

    now = timezone.now()
    to_update, to_create, touched = _diff_components(workloads, by_workload, matched, snapshot, now)

    transitions = []
    for workload_id, workload in workloads.items():
        comps = by_workload.get(workload_id, [])
        deleting = workload.delete_requested_at is not None
        if not comps and not deleting:
            continue  # Added, or a launch that failed: nothing in the cluster to judge by
        status = derive_status((c.state for c in comps), deleting=deleting)
        if status != workload.status or workload_id in touched:
            reason = status_reason(status, comps)
            if status != workload.status or reason != workload.status_reason:
                transitions.append(Transition(workload_id, status, reason))

    with transaction.atomic():
        # Lock what we are about to write and drop workloads whose status someone else set
        # after our snapshot (a delete requested meanwhile): their rows are newer than our view.
        candidates = touched | {t.workload_id for t in transitions}
        fresh = set()
        if candidates:
            fresh = set(
                Workload.objects.filter(id__in=list(candidates), status_changed_at__lte=snapshot)
                .select_for_update()
                .values_list("id", flat=True)
            )
        updates = [c for c in to_update if c.workload_id in fresh]
        creates = [c for c in to_create if c.workload_id in fresh]
        bulk.bulk_update(
            Component, updates, ["state", "reason", "uid", "api_version", "updated_at"], batch_size=BATCH_SIZE
        )
        Component.objects.bulk_create(creates, batch_size=BATCH_SIZE, ignore_conflicts=True)
        changed = apply_transitions(
            [t for t in transitions if t.workload_id in fresh], now=now, not_changed_after=snapshot
        )
    result.components_written = len(updates) + len(creates)
    result.status_changes = len(changed)

    result.custom_created = _create_custom_workloads(
        cluster_id, project_ids, unknown, workloads, matched, now
    )

    # Every workload this refresh looked at is now known as of `now` (one UPDATE).
    Workload.objects.filter(cluster_id=cluster_id, project_id__in=listed, created_at__lte=snapshot).exclude(
        status=WorkloadStatus.DELETED, status_changed_at__lt=snapshot
    ).update(status_refreshed_at=now)


def _diff_components(workloads, by_workload, matched, snapshot, now):
    """Components to update and create, and the ids of workloads whose components changed."""
    to_update, to_create, touched = [], [], set()
    seen = set()
    for workload_id, objects in matched.items():
        deleting = workloads[workload_id].delete_requested_at is not None
        existing = {_key(c): c for c in by_workload[workload_id]}
        for obs in objects:
            component = existing.get(_key(obs))
            reason = short(obs.reason)
            if component is None:
                component = _component(workload_id, obs, now)
                existing[_key(obs)] = component
                by_workload[workload_id].append(component)
                to_create.append(component)
                touched.add(workload_id)
                continue
            seen.add(component.pk)
            if (
                deleting
                and component.uid == obs.uid
                and component.state in (ComponentState.DELETED, ComponentState.DELETE_FAILED)
            ):
                continue  # the delete was sent (or failed): the object may take a while to go
            new = (obs.state, reason, obs.uid, obs.api_version)
            if (component.state, component.reason, component.uid, component.api_version) != new:
                component.state, component.reason, component.uid, component.api_version = new
                component.updated_at = now
                to_update.append(component)
                touched.add(workload_id)

    for workload_id, components in by_workload.items():
        deleting = workloads[workload_id].delete_requested_at is not None
        for component in components:
            if component.pk is None or component.pk in seen or component.state == ComponentState.DELETED:
                continue
            if component.updated_at > snapshot:
                continue  # recorded after our LIST started (a launch): absence proves nothing
            if deleting:
                component.state, component.reason = ComponentState.DELETED, "deleted"
            elif component.state in _KEEP_WHEN_GONE:
                continue  # a finished Job removed by its TTL keeps the workload's outcome
            else:
                component.state, component.reason = ComponentState.DELETED, "removed from the cluster"
            component.updated_at = now
            to_update.append(component)
            touched.add(workload_id)
    return to_update, to_create, touched


def _create_custom_workloads(cluster_id, project_ids, unknown, workloads, matched, now) -> int:
    """Labelled objects with no known workload -> Custom workloads (one per object, or one per
    shared workload-id label value)."""
    if not unknown:
        return 0
    # Objects sharing a workload-id label with an already known Custom workload join it.
    label_owner = {}
    for workload_id, objects in matched.items():
        for obs in objects:
            if obs.workload_id and _as_id(obs.workload_id) != workload_id:
                label_owner[(obs.project, obs.workload_id)] = workload_id
    groups = defaultdict(list)
    late_components = []
    for obs in unknown:
        owner = label_owner.get((obs.project, obs.workload_id)) if obs.workload_id else None
        if owner is not None:
            late_components.append(_component(owner, obs, now))
            continue
        group = (obs.project, obs.workload_id) if obs.workload_id else (obs.project, "/".join(_key(obs)))
        groups[group].append(obs)

    primaries = {}
    for group, objects in groups.items():
        objects.sort(key=lambda o: (o.kind in _HELPER_KINDS, o.kind, o.name))
        primaries[group] = objects[0]
    keys = {"/".join(_key(p)): group for group, p in primaries.items()}

    with transaction.atomic():
        taken = Workload.objects.filter(
            cluster_id=cluster_id, external_key__in=list(keys)
        ).select_for_update()
        stale = []
        for workload in taken.only("id", "status", "external_key", "project_id"):
            group = keys[workload.external_key]
            if workload.status == WorkloadStatus.DELETED:
                stale.append(workload.id)  # gone before; a new object of the same name is new
            elif workload.project_id == project_ids[group[0]]:
                # A live Custom workload that lost its component rows: attach them again.
                late_components.extend(_component(workload.id, obs, now) for obs in groups.pop(group))
            else:
                groups.pop(group)  # same key, other project: ignore rather than move it
        if stale:
            Workload.objects.filter(id__in=stale).update(external_key="")

        new_workloads, new_groups = [], []
        for group, objects in groups.items():
            primary = primaries[group]
            status = derive_status(o.state for o in objects)
            requests = [o.requests for o in objects]
            new_workloads.append(
                Workload(
                    project_id=project_ids[group[0]],
                    cluster_id=cluster_id,
                    name=primary.name[:253],
                    type=WorkloadType.CUSTOM,
                    status=status,
                    status_reason=status_reason(status, objects),
                    status_refreshed_at=now,
                    status_changed_at=now,
                    requested_gpu=sum(r.gpu for r in requests),
                    requested_cpu_millicores=sum(r.cpu_millicores for r in requests),
                    requested_memory_bytes=sum(r.memory_bytes for r in requests),
                    namespace=primary.namespace,
                    external_key="/".join(_key(primary)),
                    created_by_name=(primary.submitter or "cluster")[:150],
                    created_at=primary.created_at or now,
                    started_at=now if status == WorkloadStatus.RUNNING else None,
                    finished_at=now if status in (WorkloadStatus.COMPLETE, WorkloadStatus.FAILED) else None,
                )
            )
            new_groups.append(objects)
        Workload.objects.bulk_create(new_workloads, batch_size=BATCH_SIZE)
        new_components = list(late_components)
        history = []
        for workload, objects in zip(new_workloads, new_groups, strict=True):
            new_components.extend(_component(workload.id, obs, now) for obs in objects)
            history.append(
                StatusChange(
                    workload_id=workload.id,
                    from_status="",
                    to_status=workload.status,
                    reason="found in the cluster",
                    at=now,
                )
            )
        Component.objects.bulk_create(new_components, batch_size=BATCH_SIZE, ignore_conflicts=True)
        if history:
            StatusChange.objects.bulk_create(history, batch_size=BATCH_SIZE)
    return len(new_workloads)


def _component(workload_id, obs, now) -> Component:
    return Component.for_object(workload_id, obs, state=obs.state, reason=short(obs.reason), at=now)
