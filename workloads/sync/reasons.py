"""Write what `diagnosis` says of the workloads of one cluster: dominant reason, time-to-start
milestones and Event history. The refresh asks it for every workload it listed; the watcher for
the few that changed objects or Events concern (`only`), from its caches. The same path both
ways, so a reason reads the same whether a watch or a resync found it.
"""

from django.db.models import Sum

from workloads.models import Component, Workload
from workloads.status import WorkloadStatus
from workloads.sync.diagnosis import KnownWorkload, diagnose
from workloads.sync.event_history import write_events
from workloads.transitions import write_diagnoses

KNOWN_FIELDS = (
    "id", "project_id", "project__name", "namespace", "status", "status_reason", "requested_gpu", "why",
    "why_kind", "start_timeline",
)


def update_diagnoses(cluster_id, cluster_name, namespaces, observed, events, capacity_gpu: int, *,
                     only=None) -> int:
    """Diagnose the workloads of the listed projects on the cluster (all, or those of ids `only`)
    from `observed` and `events`; returns the rows whose reason or milestones changed."""
    listed = [project.project_id for project in namespaces.values()]
    on_cluster = Workload.objects.filter(cluster_id=cluster_id, project_id__in=listed)
    rows = on_cluster.exclude(status=WorkloadStatus.DELETED)
    owners = Component.objects.filter(workload__cluster_id=cluster_id, workload__project_id__in=listed).exclude(uid="")
    if only is not None:
        if not only:
            return 0
        rows = rows.filter(id__in=list(only))
        owners = owners.filter(workload_id__in=list(only))
    known = {values[0]: KnownWorkload(*values) for values in rows.values_list(*KNOWN_FIELDS)}
    if not known:
        return 0
    if only is None:
        used_gpu = sum(w.requested_gpu for w in known.values() if w.status == WorkloadStatus.RUNNING)
    else:  # the others' share of the cluster too: one sum
        used_gpu = on_cluster.filter(status=WorkloadStatus.RUNNING).aggregate(used=Sum("requested_gpu"))["used"] or 0
    diagnoses = diagnose(namespaces, observed, events, known, dict(owners.values_list("uid", "workload_id")),
                         cluster=cluster_name, free_gpu=max(0, capacity_gpu - used_gpu))
    written = write_diagnoses(diagnoses, known)
    write_events(diagnoses)
    return written
