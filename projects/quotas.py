"""Quotas per project and cluster: what is used, what is free, and changing a quota safely.

`cluster_usage` builds the quotas page in a fixed number of queries (clusters with their
allocated sums, the project's quotas, one aggregate of the project's usage). `set_quota` locks
the cluster and its quota rows, so two admins can never together allocate more than the
cluster's capacity, and records every change as a `QuotaChange`.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce

from projects.models import Cluster, Quota, QuotaChange
from projects.resources import RESOURCES, Resource, over_capacity
from projects.usage import usage_by_cluster


def _percent(part: int, whole: int) -> int:
    if whole <= 0:
        return 100 if part > 0 else 0
    return max(0, min(100, round(part * 100 / whole)))


@dataclass(frozen=True)
class ResourceUsage:
    resource: Resource
    quota: int
    used: int
    capacity: int
    allocated: int  # sum of every project's quota on the cluster

    @property
    def free(self) -> int:
        return max(self.quota - self.used, 0)

    @property
    def over(self) -> bool:
        return self.used > self.quota

    @property
    def unallocated(self) -> int:
        return max(self.capacity - self.allocated, 0)

    @property
    def used_percent(self) -> int:
        return _percent(self.used, self.quota)

    @property
    def allocated_percent(self) -> int:
        return _percent(self.allocated, self.capacity)

    # Human-readable values for templates ("2.5 cores", "128 GiB").
    @property
    def quota_text(self) -> str:
        return self.resource.show(self.quota)

    @property
    def used_text(self) -> str:
        return self.resource.show(self.used)

    @property
    def free_text(self) -> str:
        return self.resource.show(self.free)

    @property
    def unallocated_text(self) -> str:
        return self.resource.show(self.unallocated)

    @property
    def capacity_text(self) -> str:
        return self.resource.show(self.capacity)


@dataclass
class ClusterUsage:
    cluster: Cluster
    quota: Quota | None
    resources: list[ResourceUsage]
    form: object = None  # the edit form, for admins
    warnings: list[str] = field(default_factory=list)

    @property
    def over(self) -> bool:
        return any(r.over for r in self.resources)


def cluster_usage(project, *, all_clusters: bool) -> list[ClusterUsage]:
    """One row per cluster: the project's quota, its usage and what the cluster has left.

    `all_clusters` (project admins) lists every cluster, so a quota can be given on a new one;
    otherwise only the clusters where the project has a quota. Three queries, whatever the
    number of clusters and workloads.
    """
    clusters = Cluster.objects.annotate(
        **{f"allocated_{r.quota_field}": Coalesce(Sum(f"quotas__{r.quota_field}"), 0) for r in RESOURCES}
    ).order_by("name")
    if not all_clusters:
        clusters = clusters.filter(pk__in=Quota.objects.filter(project=project).values("cluster_id"))
    clusters = list(clusters)
    quotas = {q.cluster_id: q for q in Quota.objects.filter(project=project)}
    usage = usage_by_cluster(project)
    rows = []
    for cluster in clusters:
        quota = quotas.get(cluster.pk)
        used = usage.get(cluster.pk, {})
        rows.append(
            ClusterUsage(
                cluster=cluster,
                quota=quota,
                resources=[
                    ResourceUsage(
                        resource=r,
                        quota=getattr(quota, r.quota_field) if quota else 0,
                        used=used.get(r.quota_field) or 0,
                        capacity=getattr(cluster, r.capacity_field),
                        allocated=getattr(cluster, f"allocated_{r.quota_field}"),
                    )
                    for r in RESOURCES
                ],
            )
        )
    return rows


class QuotaRefused(Exception):
    """The new quota does not fit; `errors` maps form field keys to messages."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(errors.values()))


@dataclass(frozen=True)
class QuotaSaved:
    quota: Quota | None
    change: QuotaChange | None  # None when nothing changed
    warnings: list[str]


def set_quota(project, cluster_id: int, values: dict[str, int], *, user) -> QuotaSaved:
    """Replace the project's quota on the cluster with `values` ({resource key: stored units}).

    In one transaction: lock the cluster (FOR NO KEY UPDATE, so workload inserts that
    reference it are not blocked) and every quota row on it, check that the sum over
    projects stays within capacity (inclusive), write the quota and a `QuotaChange`.
    A quota below current usage is saved and warned about. Raises `QuotaRefused`.
    """
    errors = {}
    for r in RESOURCES:
        if values[r.key] < 0:
            errors[r.key] = f"{r.label}: must not be negative ({r.show(values[r.key])} given)"
    if errors:
        raise QuotaRefused(errors)
    with transaction.atomic():
        cluster = Cluster.objects.select_for_update(no_key=True).get(pk=cluster_id)
        rows = list(Quota.objects.select_for_update().filter(cluster=cluster).order_by("pk"))
        mine = next((q for q in rows if q.project_id == project.pk), None)
        others = {
            r.quota_field: sum(getattr(q, r.quota_field) for q in rows if q.project_id != project.pk)
            for r in RESOURCES
        }
        refused = over_capacity(cluster, others, {r.quota_field: values[r.key] for r in RESOURCES})
        if refused:
            raise QuotaRefused({r.key: message for r, message in refused.items()})
        old = {r.key: getattr(mine, r.quota_field) if mine else 0 for r in RESOURCES}
        if mine is not None and old == values:
            return QuotaSaved(mine, None, [])
        if mine is None and not any(values.values()):
            return QuotaSaved(None, None, [])
        if mine is None:
            mine = Quota(project=project, cluster=cluster)
        for r in RESOURCES:
            setattr(mine, r.quota_field, values[r.key])
        mine.save()
        change = QuotaChange.objects.create(
            project=project,
            cluster=cluster,
            changed_by=user,
            changed_by_name=user.get_username(),
            **{f"old_{r.quota_field}": old[r.key] for r in RESOURCES},
            **{f"new_{r.quota_field}": values[r.key] for r in RESOURCES},
        )
        used = usage_by_cluster(project, [cluster.pk]).get(cluster.pk, {})
        warnings = [
            f"{r.label}: the new quota ({r.show(values[r.key])}) is below what the project uses now "
            f"on cluster {cluster.name} ({r.show(used[r.quota_field])}); running workloads keep running, "
            "new launches are refused until usage drops."
            for r in RESOURCES
            if (used.get(r.quota_field) or 0) > values[r.key]
        ]
    return QuotaSaved(mine, change, warnings)


@dataclass(frozen=True)
class ChangeLine:
    label: str
    old: str
    new: str


def change_lines(change: QuotaChange) -> list[ChangeLine]:
    """The resources a change touched, old -> new, in human units."""
    return [
        ChangeLine(r.label, r.show(getattr(change, f"old_{r.quota_field}")), r.show(getattr(change, f"new_{r.quota_field}")))
        for r in RESOURCES
        if getattr(change, f"old_{r.quota_field}") != getattr(change, f"new_{r.quota_field}")
    ]


def recent_changes(project, limit: int = 20) -> list[tuple[QuotaChange, list[ChangeLine]]]:
    changes = QuotaChange.objects.filter(project=project).select_related("cluster")[:limit]
    return [(change, change_lines(change)) for change in changes]
