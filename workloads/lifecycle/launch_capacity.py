"""What a project can launch now, per cluster: free quota, the largest request that fits, and
which cluster the launch form should start on.

Figures come from the same rule as admission (`launch_request.quota_messages`, `free_quota`),
in a fixed number of queries: the project's quotas with their clusters, one aggregate of its
usage, and the clusters the user can see where the project has no quota.
"""

from dataclasses import dataclass

from projects.models import Cluster, Quota
from projects.resources import RESOURCES
from workloads.lifecycle.launch_request import Launch, free_quota, quota_messages
from workloads.usage import usage_by_cluster


@dataclass(frozen=True)
class ResourceRoom:
    label: str
    quota: str  # shown in human units ("32 cores")
    free: str
    used_up: bool  # nothing of it is free


@dataclass(frozen=True)
class ClusterRoom:
    """One cluster the project has a quota on, as the launch form shows it."""

    cluster: Cluster
    free: dict[str, int]  # keyed like Quota fields
    resources: list[ResourceRoom]
    fits_default: bool  # the form's initial request would be admitted here now

    @property
    def name(self) -> str:
        return self.cluster.name

    @property
    def nothing_fits(self) -> bool:
        """Every launch asks for some CPU and memory: with none of either free, none fits."""
        return any(r.used_up for r in self.resources[1:])

    @property
    def largest(self) -> str:
        """The largest single-pod request that fits: "6 GPU, 30 cores, 100 GiB"."""
        return ", ".join(f"{r.free} {r.label}" if r.label == "GPU" else r.free for r in self.resources)


@dataclass(frozen=True)
class LaunchRoom:
    clusters: list[ClusterRoom]  # most free GPU first, then by name
    without_quota: list[Cluster]  # clusters the user sees where this project has no quota
    default: ClusterRoom | None  # where the form starts: the first where the default request fits

    def by_name(self, name: str) -> ClusterRoom | None:
        return next((room for room in self.clusters if room.name == name), None)


def launch_room(project, user, default_launch: Launch) -> LaunchRoom:
    """The project's free quota on each of its clusters, and where `default_launch` fits."""
    quotas = list(Quota.objects.filter(project=project).select_related("cluster").order_by())
    usage = usage_by_cluster(project, [q.cluster_id for q in quotas])
    requested = default_launch.requested()
    rooms = []
    for quota in quotas:
        used = usage.get(quota.cluster_id, {})
        free = free_quota(quota, used)
        rooms.append(
            ClusterRoom(
                cluster=quota.cluster,
                free=free,
                resources=[
                    ResourceRoom(
                        r.label, r.show(getattr(quota, r.quota_field)), r.show(free[r.quota_field]),
                        free[r.quota_field] == 0,
                    )
                    for r in RESOURCES
                ],
                fits_default=not quota_messages(quota, used, requested),
            )
        )
    rooms.sort(key=lambda room: (-room.free["gpu"], room.name))
    without_quota = list(
        Cluster.objects.for_user(user).exclude(pk__in=[q.cluster_id for q in quotas]).order_by("name")
    )
    default = next((room for room in rooms if room.fits_default), rooms[0] if rooms else None)
    return LaunchRoom(rooms, without_quota, default)
