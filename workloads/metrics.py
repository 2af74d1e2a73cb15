"""devcenter's workload metrics for Prometheus (exposed by `devcenter.metrics`).

Counted where they happen (in whichever process runs the refresh or the task; with
PROMETHEUS_MULTIPROC_DIR set they add up across gunicorn and Celery processes): refresh
duration, objects and outcome per cluster, task outcomes per task. Read from the database
when scraped (`DatabaseCollector`): workloads per project and status (one grouped query on
the trigger-kept `WorkloadCount` table, so its cost does not grow with the workloads) and each
cluster's reachability (one query): the stored truth, not what one process happened to see.
"""

from celery.signals import task_postrun
from django.db.models import Sum
from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from projects.models import Cluster
from workloads.models import WorkloadCount

REFRESH_SECONDS = Histogram(
    "devcenter_refresh_duration_seconds",
    "Time one refresh of a cluster took (list, reconcile, write).",
    ["cluster"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
REFRESH_OBJECTS = Gauge(
    "devcenter_refresh_objects",
    "Objects the last refresh of a cluster listed.",
    ["cluster"],
    multiprocess_mode="mostrecent",
)
REFRESHES = Counter(
    "devcenter_refreshes",
    "Refreshes of a cluster by outcome (ok, unreachable, not_written).",
    ["cluster", "outcome"],
)
TASK_OUTCOMES = Counter(
    "devcenter_task_outcomes",
    "Celery tasks that ended, by task name and state (SUCCESS, FAILURE, RETRY, ...).",
    ["task", "outcome"],
)


def record_refresh(cluster_name: str, seconds: float, objects: int, outcome: str) -> None:
    REFRESH_SECONDS.labels(cluster_name).observe(seconds)
    REFRESHES.labels(cluster_name, outcome).inc()
    if outcome == "ok":
        REFRESH_OBJECTS.labels(cluster_name).set(objects)


@task_postrun.connect
def _count_task_outcome(sender=None, state=None, **kwargs):
    name = getattr(sender, "name", None) or "unknown"
    TASK_OUTCOMES.labels(name, state or "UNKNOWN").inc()


class DatabaseCollector(Collector):
    """Metrics read from the database at scrape time (registered on each scrape's registry)."""

    def collect(self):
        workloads = GaugeMetricFamily(
            "devcenter_workloads", "Workloads stored, by project and status.", labels=["project", "status"]
        )
        counts = WorkloadCount.objects.values_list("project__name", "status").annotate(total=Sum("n")).order_by()
        for project, status, count in counts:
            workloads.add_metric([project, status], count)
        yield workloads

        reachable = GaugeMetricFamily(
            "devcenter_cluster_reachable", "1 when the cluster answered its last refresh, else 0.", labels=["cluster"]
        )
        for name, is_reachable in Cluster.objects.values_list("name", "reachable").order_by("name"):
            reachable.add_metric([name], 1 if is_reachable else 0)
        yield reachable
