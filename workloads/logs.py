"""Reading a workload's logs from its cluster: the pods carrying its label, one section each.

A service for the logs page (and its download): one gateway session, one LIST of pods in the
workload's namespace only (the tenant boundary: a pod elsewhere carrying its labels is not
its), at most `MAX_LOG_PODS` pods, the container the reader chose where a pod has it. Problems
come back as words, never as exceptions: a pod whose container has not started, or a cluster
that cannot be reached or whose connection settings cannot be used.
"""

from dataclasses import dataclass, field

from workloads.cluster import (
    ClusterGateway,
    ClusterUnreachable,
    LogsUnavailable,
    PodInfo,
    workload_selector,
)
from workloads.cluster.labels import PROJECT

LOG_TAIL_CHOICES = (100, 500, 2000)
MAX_LOG_PODS = 20


@dataclass(frozen=True)
class LogSection:
    pod: PodInfo
    container: str
    text: str
    problem: str = ""


@dataclass
class WorkloadLogs:
    sections: list[LogSection] = field(default_factory=list)
    containers: list[str] = field(default_factory=list)  # every container name seen, in order
    error: str = ""  # the cluster could not be read at all

    @property
    def pods_active(self) -> bool:
        return any(section.pod.phase in ("Pending", "Running") for section in self.sections)

    def as_text(self) -> str:
        """The download: every section under a `==> pod/container <==` header."""
        lines = [self.error] if self.error else []
        for section in self.sections:
            lines.append(f"==> {section.pod.name}/{section.container} <==")
            lines.append(section.text or section.problem)
        return "\n".join(lines)


def read_workload_logs(workload, *, tail: int, container: str = "") -> WorkloadLogs:
    """The last `tail` lines of each of the workload's pods (the `container` when it has one)."""
    logs = WorkloadLogs()
    try:
        with ClusterGateway.for_cluster(workload.cluster) as gateway:
            pods = [
                pod
                for pod in gateway.list_pods(workload_selector(workload.pk), namespace=workload.namespace)
                if (pod.labels or {}).get(PROJECT) == workload.project.name
            ][:MAX_LOG_PODS]
            for pod in pods:
                logs.containers.extend(name for name in pod.containers if name not in logs.containers)
            for pod in pods:
                chosen = container if container in pod.containers else (pod.containers or ("",))[0]
                try:
                    text = gateway.read_logs(pod.namespace, pod.name, container=chosen, tail_lines=tail)
                    logs.sections.append(LogSection(pod, chosen, text))
                except LogsUnavailable as exc:
                    logs.sections.append(LogSection(pod, chosen, "", exc.message))
    except ClusterUnreachable as exc:
        return WorkloadLogs(error=f"Cluster {workload.cluster} cannot be reached right now ({exc.message}).")
    return logs
