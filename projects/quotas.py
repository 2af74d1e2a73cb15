"""Quotas per project and cluster: what is used, what is free, and changing a quota safely.

`cluster_usage` builds the quotas page in a fixed number of queries (clusters with their
allocated sums, the project's quotas, one aggregate of the project's usage). `set_quota` is
the one path of every quota write, the quotas page's and the Django admin's: it locks the
cluster and its quota rows, so two admins can never together allocate more than the
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
    quota: Quota
    resources: list[ResourceUsage]
    form: object = None  # the edit form, for admins
    warnings: list[str] = field(default_factory=list)

    @property
    def over(self) -> bool:
        return any(r.over for r in self.resources)


def cluster_usage(project) -> list[ClusterUsage]:
    """One row per cluster the project has a quota on: the quota, its usage and what the
    cluster has left. Three queries, whatever the number of clusters and workloads.

    Only clusters with a quota: which clusters a project may use is the platform admin's
    choice (Django admin), not something the quotas page offers.
    """
    clusters = list(
        Cluster.objects.annotate(
            **{f"allocated_{r.quota_field}": Coalesce(Sum(f"quotas__{r.quota_field}"), 0) for r in RESOURCES}
        )
        .filter(pk__in=Quota.objects.filter(project=project).values("cluster_id"))
        .order_by("name")
    )
    quotas = {q.cluster_id: q for q in Quota.objects.filter(project=project)}
    usage = usage_by_cluster(project)
    rows = []
    for cluster in clusters:
        quota = quotas.get(cluster.pk)
        if quota is None:
            continue  # removed between the two reads
        used = usage.get(cluster.pk, {})
        rows.append(
            ClusterUsage(
                cluster=cluster,
                quota=quota,
                resources=[
                    ResourceUsage(
                        resource=r,
                        quota=getattr(quota, r.quota_field),
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
    """The change does not fit; `errors` maps form field keys (a resource's key, or
    "__all__" for the whole quota) to messages."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(errors.values()))


@dataclass(frozen=True)
class QuotaSaved:
    quota: Quota
    change: QuotaChange | None  # None when no amount changed
    warnings: list[str]


@dataclass(frozen=True)
class LockedCluster:
    """A cluster and every quota on it, locked until the surrounding transaction ends."""

    cluster: Cluster
    quotas: list[Quota]

    def quota_of(self, project_id: int) -> Quota | None:
        return next((q for q in self.quotas if q.project_id == project_id), None)

    def refusals(self, project_id: int, values: dict[str, int]) -> dict[str, str]:
        """{resource key: message} for each resource that `values` raise beyond what fits."""
        mine = self.quota_of(project_id)
        others = {
            r.quota_field: sum(getattr(q, r.quota_field) for q in self.quotas if q.project_id != project_id)
            for r in RESOURCES
        }
        current = {r.quota_field: getattr(mine, r.quota_field) for r in RESOURCES} if mine else None
        requested = {r.quota_field: values[r.key] for r in RESOURCES}
        return {r.key: message for r, message in over_capacity(self.cluster, others, requested, current).items()}


def lock_cluster(cluster_id: int) -> LockedCluster:
    """Lock the cluster (FOR NO KEY UPDATE, so workload inserts that reference it are not
    blocked) and every quota row on it, in one order (pk) for every writer.

    Only inside a transaction (Django refuses `select_for_update` outside one); the locks last
    until it ends, so whatever is checked against them stays true until the write.
    """
    try:
        cluster = Cluster.objects.select_for_update(no_key=True).get(pk=cluster_id)
    except Cluster.DoesNotExist:
        raise QuotaRefused({"__all__": "Unknown cluster."}) from None
    return LockedCluster(cluster, list(Quota.objects.select_for_update().filter(cluster=cluster).order_by("pk")))


def set_quota(project, cluster_id: int, values: dict[str, int], *, user, namespace: str | None = None) -> QuotaSaved:
    """Replace the project's quota on the cluster with `values` ({resource key: stored units}).

    The one path of every quota write (the quotas page and the Django admin): in one
    transaction, lock the cluster and its quotas (`lock_cluster`), refuse any resource raised
    beyond the cluster's capacity (the sum over projects, inclusive; lowering is always
    allowed), write the quota and a `QuotaChange`. A quota below current usage is saved and
    warned about. Raises `QuotaRefused`.

    `namespace` is the platform admin's (the Django admin): given, the quota is created when
    the project has none on the cluster, and its namespace set. Without it (project admins)
    only the amounts of an existing quota change.
    """
    errors = {}
    for r in RESOURCES:
        if values[r.key] < 0:
            errors[r.key] = f"{r.label}: must not be negative ({r.show(values[r.key])} given)"
    if errors:
        raise QuotaRefused(errors)
    with transaction.atomic():
        locked = lock_cluster(cluster_id)
        cluster = locked.cluster
        mine = locked.quota_of(project.pk)
        if mine is None and namespace is None:
            raise QuotaRefused({
                "__all__": f"{project} has no quota on cluster {cluster.name}: "
                           "only a platform admin can give a project a cluster (Django admin, Quotas)."
            })
        refused = locked.refusals(project.pk, values)
        if refused:
            raise QuotaRefused(refused)
        old = {r.key: getattr(mine, r.quota_field) if mine else 0 for r in RESOURCES}
        created = mine is None
        renamed = not created and namespace is not None and namespace != mine.namespace
        if not created and not renamed and old == values:
            return QuotaSaved(mine, None, [])
        if created:
            mine = Quota(project=project, cluster=cluster, namespace=namespace)
        elif renamed:
            mine.namespace = namespace
        for r in RESOURCES:
            setattr(mine, r.quota_field, values[r.key])
        mine.save()
        if not created and old == values:
            return QuotaSaved(mine, None, [])  # the namespace alone changed
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
