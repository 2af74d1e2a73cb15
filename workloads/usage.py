"""What a project's workloads hold on each cluster (counted against its quotas)."""

from django.db.models import Sum

from projects.resources import RESOURCES
from workloads.models import Workload


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
