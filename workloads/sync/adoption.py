"""Custom workloads for labelled objects devcenter did not launch (SPEC "Workloads": Custom).

The refresh hands over the objects `reconcile` matched to no workload. Objects sharing a
workload-id label value make one Custom workload, any other object one of its own; it is
known afterwards by its first object (`external_key`, "<kind>/<namespace>/<name>"; the main
object before helpers such as a Service). An external key of a Deleted workload is freed: a
new object of the same name is a new workload.

The namespace is the boundary here too: an object outside its project's namespace on this
cluster is never adopted, whatever its labels (`reconcile` leaves such objects out already;
adoption checks again, as every path that writes a project's rows does).
"""

from collections import defaultdict
from collections.abc import Mapping

from django.db import transaction

from workloads.cluster import Resources
from workloads.cluster.kinds import HELPER_KINDS
from workloads.models import Component, Workload, WorkloadType
from workloads.status import WorkloadStatus, derive_status
from workloads.sync.reconcile import ProjectNamespace, object_key, own_objects
from workloads.transitions import (
    BATCH_SIZE,
    NewWorkload,
    create_workloads,
    short,
    status_reason,
)


def adopt(cluster_id: int, namespaces: Mapping[str, ProjectNamespace], unknown, now) -> int:
    """Record `unknown` objects as Custom workloads of their project; return how many were created.

    `namespaces`: as given to `reconcile` (project name, the label value -> its id).
    """
    unknown = own_objects(unknown, namespaces)
    if not unknown:
        return 0
    groups = defaultdict(list)
    for obs in unknown:
        group = (obs.project, obs.workload_id) if obs.workload_id else (obs.project, _external_key(obs))
        groups[group].append(obs)
    primaries = {}
    for group, objects in groups.items():
        objects.sort(key=lambda o: (o.kind in HELPER_KINDS, o.kind, o.name))
        primaries[group] = objects[0]
    keys = {_external_key(p): group for group, p in primaries.items()}

    with transaction.atomic(savepoint=False):  # inside the refresh's transaction: all or nothing
        taken = Workload.objects.filter(
            cluster_id=cluster_id, external_key__in=list(keys)
        ).select_for_update()
        stale, late_components = [], []
        for workload in taken.only("id", "status", "external_key", "project_id"):
            group = keys[workload.external_key]
            if workload.status == WorkloadStatus.DELETED:
                stale.append(workload.id)  # gone before; a new object of the same name is new
            elif workload.project_id == namespaces[group[0]].project_id:
                # A live Custom workload that lost its component rows: attach them again.
                late_components.extend(_component(workload.id, obs, now) for obs in groups.pop(group))
            else:
                groups.pop(group)  # same key, other project: ignore rather than move it
        if stale:
            Workload.objects.filter(id__in=stale).update(external_key="")

        new = [
            _new_workload(cluster_id, namespaces[group[0]].project_id, primaries[group], objects, now)
            for group, objects in groups.items()
        ]
        create_workloads(new, now=now, history_reason="found in the cluster")
        components = late_components + [
            _component(workload.id, obs, now)
            for (workload, _, _), objects in zip(new, groups.values(), strict=True)
            for obs in objects
        ]
        Component.objects.bulk_create(components, batch_size=BATCH_SIZE, ignore_conflicts=True)
    return len(new)


def _new_workload(cluster_id, project_id, primary, objects, now) -> NewWorkload:
    status = derive_status(o.state for o in objects)
    requests = Resources.total(o.requests for o in objects)  # bounded to the columns' ranges
    workload = Workload(
        project_id=project_id,
        cluster_id=cluster_id,
        name=primary.name[:253],
        type=WorkloadType.CUSTOM,
        requested_gpu=requests.gpu,
        requested_cpu_millicores=requests.cpu_millicores,
        requested_memory_bytes=requests.memory_bytes,
        namespace=primary.namespace,
        external_key=_external_key(primary),
        created_by_name=(primary.submitter or "cluster")[:150],
        created_at=primary.created_at or now,
    )
    return NewWorkload(workload, status, status_reason(status, objects))


def _external_key(obs) -> str:
    return "/".join(object_key(obs))


def _component(workload_id, obs, now) -> Component:
    return Component.for_object(workload_id, obs, state=obs.state, reason=short(obs.reason), at=now)
