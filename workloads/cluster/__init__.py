"""The cluster gateway: the only code in devcenter that talks to Kubernetes.

    from workloads.cluster import ClusterConnection, ClusterGateway, project_selector

    with ClusterGateway(ClusterConnection("gpu-1", kubeconfig="~/.kube/config")) as gateway:
        components = gateway.list_components(project_selector(["vision", "nlp"]))

Pure parts (no I/O, usable anywhere): `kinds` (the kind registry: one record per Kubernetes
kind), `states` (object -> component state), `resources` (object -> requested resources),
`components` (objects -> top-level components), `manifests` (WorkloadSpec -> objects),
`quantities`, `labels`. No Django models or settings are imported here.
"""

from .components import ObservedComponent, observe
from .connection import ClusterConnection, api_client
from .errors import ClusterUnreachable, CreateFailed, LogsUnavailable
from .gateway import (
    ClusterGateway,
    CreatedObject,
    DeleteOutcome,
    DeleteResult,
    PodInfo,
    ScaleFailed,
    ScaleOutcome,
)
from .labels import project_selector, workload_selector
from .manifests import BATCH, SERVICE, WorkloadSpec, build_manifests, workspace_url
from .resources import Resources

__all__ = [
    "BATCH",
    "SERVICE",
    "ClusterConnection",
    "ClusterGateway",
    "ClusterUnreachable",
    "CreateFailed",
    "CreatedObject",
    "DeleteOutcome",
    "DeleteResult",
    "LogsUnavailable",
    "ObservedComponent",
    "PodInfo",
    "Resources",
    "ScaleFailed",
    "ScaleOutcome",
    "WorkloadSpec",
    "api_client",
    "build_manifests",
    "observe",
    "project_selector",
    "workload_selector",
    "workspace_url",
]
