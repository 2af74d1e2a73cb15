"""The resources a quota limits (GPU, CPU, memory): how each is named, stored and shown, and
the one capacity rule: the sum of every project's quota on a cluster never above its capacity."""

from collections.abc import Callable
from dataclasses import dataclass

from projects.units import format_cores, format_gib


@dataclass(frozen=True)
class Resource:
    """How one resource is named, stored and shown."""

    key: str  # form field and template key
    label: str
    quota_field: str  # on Quota (and QuotaChange old_/new_)
    capacity_field: str  # on Cluster
    request_field: str  # on Workload
    unit: str
    format: Callable[[int], str]

    def show(self, value: int) -> str:
        text = self.format(value)
        return f"{text} {self.unit}" if self.unit else text


RESOURCES = (
    Resource("gpu", "GPU", "gpu", "capacity_gpu", "requested_gpu", "", str),
    Resource("cpu", "CPU", "cpu_millicores", "capacity_cpu_millicores", "requested_cpu_millicores", "cores",
             format_cores),
    Resource("memory", "Memory", "memory_bytes", "capacity_memory_bytes", "requested_memory_bytes", "GiB",
             format_gib),
)


def over_capacity(cluster, allocated_to_others: dict, requested: dict, current: dict | None = None) -> dict:
    """{Resource: message} for each resource that `requested` (by quota field) raises above
    `current` (the quota it replaces; none: zeros) and that does not fit beside what other
    projects hold on `cluster` (limits inclusive).

    Lowering is never refused: it cannot increase the sum, even when the sum is already over
    a capacity that shrank.
    """
    errors = {}
    for r in RESOURCES:
        wanted = requested[r.quota_field]
        if wanted <= ((current or {}).get(r.quota_field) or 0):
            continue
        available = max(getattr(cluster, r.capacity_field) - (allocated_to_others.get(r.quota_field) or 0), 0)
        if wanted > available:
            errors[r] = f"{r.label}: {r.show(wanted)} requested, {r.show(available)} available on cluster {cluster.name}"
    return errors
