"""The kind registry: one record per Kubernetes kind devcenter reads or writes.

A record says where the kind lives in the API (group, version, plural), how the client reaches
it (a typed API class and its method suffix, or `CustomObjectsApi` for a custom resource),
whether it is a component or a helper, its state function (`states.py`), its requests function
(`resources.py`) and which spec keys survive slimming. The gateway lists, creates, reads,
deletes and slims through it; `components` maps objects to states and requests through it.

Adding a kind is one row here plus its state function (and its requests function when it runs
pods). Every kind is listed on each refresh (one paged LIST per kind and cluster; a custom
resource the cluster does not serve is skipped) and lives in a namespace (the tenant boundary).
"""

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import resources, states
from .resources import Resources
from .states import State


class Role(enum.StrEnum):
    COMPONENT = "component"  # runs something: its state drives the workload's status
    HELPER = "helper"  # serves a component (Service, ConfigMap): Completed while it exists


@dataclass(frozen=True)
class Kind:
    name: str
    group: str  # "" for the core API
    version: str
    plural: str
    role: Role
    state: Callable[[dict, Sequence[dict]], State]
    requests: Callable[[dict], Resources] = resources.no_requests
    keep_spec: tuple[str, ...] = ()  # spec keys that states and requests read
    # The typed client class by name (kubernetes.client.<api>), None for a custom resource
    # (CustomObjectsApi). A name, not the class: importing an API class builds hundreds of
    # pydantic models (about 3 s of CPU), which only processes that talk to clusters should pay.
    api: str | type | None = None
    method_suffix: str = ""  # list_<suffix>_for_all_namespaces, create_namespaced_<suffix>, ...
    # Stop and resume scale it (`spec.replicas` to 0 and back); its pods are its controller's.
    scalable: bool = False

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def custom(self) -> bool:
        return self.api is None


POD_SPEC = ("containers", "initContainers")
REPLICATED_SPEC = ("replicas", "template")  # a kept template is slimmed to its pod spec's containers

KINDS = (
    Kind(
        "Pod", "", "v1", "pods", Role.COMPONENT,
        state=states.pod_state, requests=resources.pod_requests, keep_spec=POD_SPEC,
        api="CoreV1Api", method_suffix="pod",
    ),
    Kind(
        "Job", "batch", "v1", "jobs", Role.COMPONENT,
        state=states.job_state, requests=resources.job_requests,
        keep_spec=("completions", "parallelism", "suspend", "template"),
        api="BatchV1Api", method_suffix="job",
    ),
    Kind(
        "Deployment", "apps", "v1", "deployments", Role.COMPONENT,
        state=states.replicas_state, requests=resources.replicas_requests, keep_spec=REPLICATED_SPEC,
        api="AppsV1Api", method_suffix="deployment", scalable=True,
    ),
    Kind(
        "StatefulSet", "apps", "v1", "statefulsets", Role.COMPONENT,
        state=states.replicas_state, requests=resources.replicas_requests, keep_spec=REPLICATED_SPEC,
        api="AppsV1Api", method_suffix="stateful_set", scalable=True,
    ),
    Kind(
        "ReplicaSet", "apps", "v1", "replicasets", Role.COMPONENT,
        state=states.replicas_state, requests=resources.replicas_requests, keep_spec=REPLICATED_SPEC,
        api="AppsV1Api", method_suffix="replica_set",
    ),
    Kind(
        "Service", "", "v1", "services", Role.HELPER,
        state=states.helper_state, api="CoreV1Api", method_suffix="service",
    ),
    Kind(
        "ConfigMap", "", "v1", "configmaps", Role.HELPER,
        state=states.helper_state, api="CoreV1Api", method_suffix="config_map",
    ),
    Kind(
        "PersistentVolumeClaim", "", "v1", "persistentvolumeclaims", Role.HELPER,
        state=states.helper_state, api="CoreV1Api", method_suffix="persistent_volume_claim",
    ),
    Kind(
        "NetworkPolicy", "networking.k8s.io", "v1", "networkpolicies", Role.HELPER,
        state=states.helper_state, api="NetworkingV1Api", method_suffix="network_policy",
    ),
    Kind(
        "Ingress", "networking.k8s.io", "v1", "ingresses", Role.HELPER,
        state=states.helper_state, api="NetworkingV1Api", method_suffix="ingress",
    ),
    Kind(
        "InferenceService", "serving.kserve.io", "v1beta1", "inferenceservices", Role.COMPONENT,
        state=states.inference_service_state, requests=resources.inference_service_requests,
        keep_spec=("predictor",),
    ),
)
# Secrets are deliberately absent: their data is sensitive and no workload type uses them.

by_name = {kind.name: kind for kind in KINDS}
POD = by_name["Pod"]
HELPER_KINDS = frozenset(kind.name for kind in KINDS if kind.role is Role.HELPER)
SCALABLE_KINDS = frozenset(kind.name for kind in KINDS if kind.scalable)
