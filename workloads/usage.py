"""What a project's workloads hold on each cluster (counted against its quotas)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Sum
from django.urls import reverse

from projects.resources import RESOURCES
from workloads.models import Workload
from workloads.status import WorkloadStatus

WAITING_SHOWN = 50  # per project: the oldest waiting ones
ROOM_KINDS = ("capacity", "quota")  # dominant reasons that wait for room (`Reason.waits_for_room`)


@dataclass(frozen=True)
class Waiting:
    name: str
    url: str
    why: str
    since: datetime


def usage_by_cluster(project, cluster_ids=None) -> dict[int, dict[str, int]]:
    """{cluster_id: {quota_field: used}}: the requests of the project's workloads holding resources."""
    rows = Workload.objects.filter(project=project).holding_resources()
    if cluster_ids is not None:
        rows = rows.filter(cluster_id__in=cluster_ids)
    rows = (
        rows.order_by()
        .values("cluster_id")
        .annotate(**{r.quota_field: Sum(r.request_field) for r in RESOURCES})
    )
    return {row.pop("cluster_id"): row for row in rows}


def waiting_by_cluster(project) -> dict[int, list[Waiting]]:
    """The project's Added/Pending workloads whose dominant reason is quota or capacity, oldest
    first, per cluster (one query, at most WAITING_SHOWN)."""
    rows = (
        Workload.objects.filter(
            project=project, status__in=[WorkloadStatus.ADDED, WorkloadStatus.PENDING], why_kind__in=ROOM_KINDS
        )
        .order_by("created_at", "id")
        .values_list("id", "cluster_id", "name", "why", "created_at")[:WAITING_SHOWN]
    )
    waiting: dict[int, list[Waiting]] = {}
    for id_, cluster_id, name, why, created_at in rows:
        url = reverse("workloads:detail", args=[project.name, id_])
        waiting.setdefault(cluster_id, []).append(Waiting(name, url, why, created_at))
    return waiting
