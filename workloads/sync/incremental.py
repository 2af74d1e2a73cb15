"""Reconcile what the watches of one cluster saw change: the refresh's rules, for a few workloads.

The watcher hands over the changed objects (old and new versions, gone ones too) and its cache
of the cluster. The workloads they concern are found as the refresh finds them (SPEC
"Clusters": an object counts only in its project's namespace; its workload-id label, a
component recorded for it, or a component that owns it), loaded with their components, and
reconciled by `reconcile` against every cached object linked to them (`ObjectCache.related`):
the same plan as a full refresh would make for them, written the same way (`write_plan`,
statuses through `transitions`), objects of no known workload adopted as Custom workloads.

The cost grows with what changed, not with the cluster: a few queries for the rows concerned.
It runs under the cluster's refresh lock, so a watcher's write and a refresh never interleave
(a refresh in progress: the changes are given back and applied after it, from a cache that is
as new as its LIST or newer); all its writes are one transaction.
"""

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from projects.models import Cluster
from workloads.cluster import labels, observe
from workloads.cluster.kinds import KINDS
from workloads.cluster.object_cache import ObjectCache, label_key, object_key, uid_of
from workloads.models import Component, Workload
from workloads.status import WorkloadStatus
from workloads.sync.adoption import adopt
from workloads.sync.reasons import update_diagnoses
from workloads.sync.reconcile import ComponentRow, as_workload_id, own_objects, reconcile
from workloads.sync.reconcile import object_key as observed_key
from workloads.sync.refresh import COMPONENT_FIELDS, cluster_lock, workload_rows, write_plan

logger = logging.getLogger(__name__)

# Seconds an object whose owner has not come in yet waits for it (`ObjectCache.awaiting_owner`).
OWNER_GRACE_SECONDS = 2.0
WATCHED_KINDS = frozenset(kind.name for kind in KINDS)
# Rounds of "load the workloads, add their other objects": one is enough unless a workload's
# objects are linked only through a recorded component (a Custom workload without labels).
MAX_ROUNDS = 3


@dataclass
class AppliedChanges:
    objects: int = 0  # objects reconciled (top-level components)
    workloads: int = 0  # workloads reconciled
    components_written: int = 0
    status_changes: int = 0
    custom_created: int = 0


def apply_changes(cluster_id: int, namespaces, cache: ObjectCache, changed: list[dict]) -> AppliedChanges | None:
    """Reconcile the workloads `changed` concerns; None when a refresh of the cluster holds its
    lock (nothing written: hand the changes over again)."""
    with cluster_lock(cluster_id) as acquired:
        if not acquired:
            return None
        snapshot = timezone.now()  # the cache as it is now: rows set later are newer than it
        listed = [project.project_id for project in namespaces.values()]
        objects, waiting = {}, []
        for obj in changed:
            linked = cache.related([obj])
            if cache.awaiting_owner(linked, WATCHED_KINDS, OWNER_GRACE_SECONDS):
                waiting.append(obj)  # judged once its owner is in, or the grace is over
            else:
                objects.update(linked)
        if waiting:
            cache.give_back(waiting)
            held = {id(obj) for obj in waiting}
            changed = [obj for obj in changed if id(obj) not in held]
        gone = [obj for obj in changed if uid_of(obj) and cache.get(uid_of(obj)) is None]
        if not objects and not gone:
            return AppliedChanges()
        workloads, components = {}, []
        for _ in range(MAX_ROUNDS):
            observed = observe(list(objects.values()))
            workloads, components = _rows_concerned(cluster_id, listed, namespaces, observed, gone)
            more = cache.related(
                keys=[(c.kind, c.namespace, c.name) for c in components],
                label_keys=[(w.namespace, str(w.id)) for w in workloads.values()],
            )
            if more.keys() <= objects.keys():
                break
            objects.update(more)
        else:  # still growing after the last round: judge with everything found
            observed = observe(list(objects.values()))
            workloads, components = _rows_concerned(cluster_id, listed, namespaces, observed, gone)
        now = timezone.now()
        plan = reconcile(namespaces, observed, workloads.values(), components, snapshot=snapshot, now=now)
        result = AppliedChanges(objects=len(observed), workloads=len(workloads))
        with transaction.atomic():
            result.components_written, result.status_changes = write_plan(plan, snapshot, now)
            result.custom_created = adopt(cluster_id, namespaces, plan.unknown, now)
            # The cluster's statuses are as current as the watches (one stamp, not one per row).
            Cluster.objects.filter(pk=cluster_id, reachable=True).update(last_seen_at=now)
        return result


@dataclass
class DiagnosedChanges:
    workloads: int = 0  # workloads diagnosed again
    written: int = 0  # of which the reason or milestones changed
    unmatched: list = field(default_factory=list)  # Events about an object the cache does not hold (yet)


def diagnose_changes(cluster_id: int, namespaces, cache: ObjectCache, events, changed_objects,
                     changed_events) -> DiagnosedChanges | None:
    """The dominant reason, milestones and Event history of the workloads that changed objects
    or Warning Events (in a project's own namespace) concern, from the caches: the refresh's
    diagnosis path for a few workloads. None when a refresh holds the cluster's lock."""
    own_namespaces = {project.namespace for project in namespaces.values()}
    seeds, unmatched = [], []
    for event in changed_events:
        if event.namespace not in own_namespaces:
            continue  # another namespace's Event: never a project's
        obj = cache.get(event.object_uid)
        if obj is None:
            unmatched.append(event)
        elif (obj.get("metadata") or {}).get("namespace") == event.namespace:
            seeds.append(obj)
    seeds += [obj for obj in changed_objects if (uid := uid_of(obj)) and cache.get(uid) is obj]
    result = DiagnosedChanges(unmatched=unmatched)
    if not seeds:
        return result
    with cluster_lock(cluster_id) as acquired:
        if not acquired:
            return None
        observed = observe(list(cache.related(seeds).values()))
        own = own_objects(observed, namespaces)
        uids = {uid for obs in own for uid in (obs.uid, *obs.member_uids, *(pod.uid for pod in obs.pods)) if uid}
        workload_ids = {i for obs in own if (i := as_workload_id(obs.workload_id)) is not None}
        workload_ids |= set(
            Component.objects.filter(workload__cluster_id=cluster_id, uid__in=[obs.uid for obs in own])
            .values_list("workload_id", flat=True)
        )
        name, capacity_gpu = Cluster.objects.values_list("name", "capacity_gpu").get(pk=cluster_id)
        with transaction.atomic():
            result.written = update_diagnoses(cluster_id, name, namespaces, observed, events.about(uids),
                                              capacity_gpu, only=workload_ids)
        result.workloads = len(workload_ids)
    return result


def _rows_concerned(cluster_id, listed, namespaces, observed, gone):
    """The workloads (by id) and components the objects concern, as the refresh would load them:
    not Deleted ones named by a recorded component, and any named by a label (the object's or a
    gone object's) or owning an object through a component."""
    own = own_objects(observed, namespaces)
    labelled = {i for obs in own if (i := as_workload_id(obs.workload_id)) is not None}
    for obj in gone:
        key = label_key(obj)
        project = ((obj.get("metadata") or {}).get("labels") or {}).get(labels.PROJECT)
        in_own_namespace = key and project in namespaces and key[0] == namespaces[project].namespace
        if in_own_namespace and (workload_id := as_workload_id(key[1])) is not None:
            labelled.add(workload_id)
    owners = {uid for obs in own for uid in obs.owner_uids}
    uids = {obs.uid for obs in own} | {uid_of(obj) for obj in gone}
    # Unlabelled objects (Custom ones found by name) and gone ones are also looked up by name.
    by_name = {observed_key(obs) for obs in own if not obs.workload_id} | {object_key(obj) for obj in gone}

    in_cluster = Component.objects.filter(workload__cluster_id=cluster_id, workload__project_id__in=listed)
    recorded = set(
        in_cluster.filter(uid__in=list(uids))
        .exclude(workload__status=WorkloadStatus.DELETED)
        .values_list("workload_id", flat=True)
    )
    if by_name:
        names = {name for _, _, name in by_name}
        recorded |= {
            workload_id
            for workload_id, kind, namespace, name in in_cluster.filter(name__in=list(names))
            .exclude(workload__status=WorkloadStatus.DELETED)
            .values_list("workload_id", "kind", "namespace", "name")
            if (kind, namespace, name) in by_name
        }
    if owners:
        labelled |= set(in_cluster.filter(uid__in=list(owners)).values_list("workload_id", flat=True))
    rows = Workload.objects.filter(cluster_id=cluster_id, project_id__in=listed)
    wanted = rows.filter(id__in=list(recorded | labelled))
    workloads = {
        w.id: w
        for w in workload_rows(wanted)
        if w.id in labelled or w.status != WorkloadStatus.DELETED
    }
    components = [
        ComponentRow(*values)
        for values in Component.objects.filter(workload_id__in=list(workloads)).values_list(*COMPONENT_FIELDS)
    ]
    return workloads, components
