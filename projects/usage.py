"""What a project's work uses on each cluster, as told by the app that runs the work.

`projects` knows nothing of workloads: the workloads app registers the function that sums
its requests (`workloads/apps.py`), and the quotas page and quota changes ask through here.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

# (project, cluster_ids or None) -> {cluster_id: {quota_field: used}}
UsageByCluster = Callable[..., dict[int, dict[str, int]]]
_provider: UsageByCluster | None = None


def register(provider: UsageByCluster) -> None:
    global _provider
    _provider = provider


# project -> {cluster_id: [Waiting]}: the work waiting for quota or capacity, oldest first
WaitingByCluster = Callable[..., dict]
_waiting: WaitingByCluster | None = None


def register_waiting(provider: WaitingByCluster) -> None:
    global _waiting
    _waiting = provider


def waiting_by_cluster(project) -> dict:
    """{cluster_id: [an object with name, url, why, since]} (empty when nobody registered)."""
    return _waiting(project) if _waiting is not None else {}


def usage_by_cluster(project, cluster_ids=None) -> dict[int, dict[str, int]]:
    """{cluster_id: {quota_field: used}} for `project` (only `cluster_ids` when given)."""
    if _provider is None:
        raise ImproperlyConfigured("no usage provider registered: is the workloads app installed?")
    return _provider(project, cluster_ids)
