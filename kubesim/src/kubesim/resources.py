"""The resource registry: which kinds exist, where they live in the URL space, and the defaults
the server fills in on create (the API's defaulting; admission plugins are in admission.py,
validation in validation.py).
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    short_names: tuple = ()
    name_rule: str = "subdomain"  # "subdomain", "label", "1035"
    subresources: tuple = field(default=("status",))
    # Another group's view of a stored kind (events.k8s.io/v1 Events are core Events): read only.
    view: bool = False

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def qualified(self) -> str:
        """`jobs.batch`, `pods`: how messages and quota names call the resource."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


RESOURCES = [
    ResourceType("", "v1", "namespaces", "Namespace", False, ("ns",), "label"),
    ResourceType("", "v1", "nodes", "Node", False, ("no",)),
    ResourceType("", "v1", "pods", "Pod", True, ("po",), subresources=("status", "log")),
    ResourceType("", "v1", "services", "Service", True, ("svc",), "1035"),
    ResourceType("", "v1", "configmaps", "ConfigMap", True, ("cm",), subresources=()),
    ResourceType("", "v1", "secrets", "Secret", True, (), subresources=()),
    ResourceType("", "v1", "serviceaccounts", "ServiceAccount", True, ("sa",), subresources=()),
    ResourceType("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", True, ("pvc",)),
    ResourceType("", "v1", "resourcequotas", "ResourceQuota", True, ("quota",)),
    ResourceType("", "v1", "events", "Event", True, ("ev",), subresources=()),
    ResourceType("events.k8s.io", "v1", "events", "Event", True, ("ev",), subresources=(), view=True),
    ResourceType("batch", "v1", "jobs", "Job", True, ()),
    ResourceType("apps", "v1", "deployments", "Deployment", True, ("deploy",)),
    ResourceType("apps", "v1", "replicasets", "ReplicaSet", True, ("rs",)),
    ResourceType("apps", "v1", "statefulsets", "StatefulSet", True, ("sts",)),
    ResourceType("coordination.k8s.io", "v1", "leases", "Lease", True, (), subresources=()),
    # Stored as sent: no controller acts on them (no ingress controller, no network plugin).
    ResourceType("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True, ("netpol",), subresources=()),
    ResourceType("networking.k8s.io", "v1", "ingresses", "Ingress", True, ("ing",)),
    # A custom resource, as if KServe's CRD were installed.
    ResourceType("serving.kserve.io", "v1beta1", "inferenceservices", "InferenceService", True, ("isvc",)),
]

NEVER_BINDS = "never-binds"
BY_KIND = {rt.kind: rt for rt in RESOURCES if not rt.view}
BY_PATH = {(rt.group, rt.version, rt.plural): rt for rt in RESOURCES}
# By kind and by qualified plural (`jobs.batch`): how quotas name what they count.
BY_KIND_OR_QUALIFIED = {**BY_KIND, **{rt.qualified: rt for rt in RESOURCES if not rt.view}}
# Kinds whose status is owned by controllers: a create or an update of the main resource
# ignores the status sent by the client (it is written through `/status`).
CONTROLLER_STATUS_KINDS = {"Pod", "Job", "Deployment", "ReplicaSet", "StatefulSet", "InferenceService", "ResourceQuota"}


def resource_for_kind(kind: str) -> ResourceType:
    return BY_KIND[kind]


def groups() -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for rt in RESOURCES:
        result.setdefault(rt.group, [])
        if rt.version not in result[rt.group]:
            result[rt.group].append(rt.version)
    return result


# --- defaults ---------------------------------------------------------------------------

def _default_container(container: dict) -> None:
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    image = container.get("image") or ""
    container.setdefault("imagePullPolicy", "Always" if image.endswith(":latest") or ":" not in image else "IfNotPresent")
    resources = container.setdefault("resources", {})
    limits = resources.get("limits") or {}
    if limits:
        # A limit without a request requests the limit.
        requests = resources["requests"] = dict(resources.get("requests") or {})
        for name, value in limits.items():
            requests.setdefault(name, value)
    for port in container.get("ports") or []:
        port.setdefault("protocol", "TCP")


def _default_pod_spec(spec: dict) -> None:
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("securityContext", {})
    spec.setdefault("enableServiceLinks", True)
    for container in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        _default_container(container)


def apply_defaults(rt: ResourceType, obj: dict) -> None:
    """Server-side defaults for a new object (mutates `obj`, which the caller owns)."""
    spec = obj.get("spec")
    if rt.kind == "Pod":
        _default_pod_spec(spec)
    elif rt.kind in ("Job", "Deployment", "ReplicaSet", "StatefulSet"):
        _default_pod_spec(spec["template"].setdefault("spec", {}))
        spec["template"].setdefault("metadata", {})
    if rt.kind == "Job":
        spec.setdefault("parallelism", 1)
        spec.setdefault("completions", 1)
        spec.setdefault("backoffLimit", 6)
        spec.setdefault("completionMode", "NonIndexed")
        spec.setdefault("suspend", False)
        spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
        spec.setdefault("manualSelector", False)
    elif rt.kind == "Deployment":
        spec.setdefault("replicas", 1)
        spec.setdefault("progressDeadlineSeconds", 600)
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("strategy", {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
    elif rt.kind in ("ReplicaSet", "StatefulSet"):
        spec.setdefault("replicas", 1)
        if rt.kind == "StatefulSet":
            spec.setdefault("podManagementPolicy", "OrderedReady")
            spec.setdefault("serviceName", "")
            spec.setdefault("updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
            spec.setdefault("revisionHistoryLimit", 10)
    elif rt.kind == "Service":
        spec = obj.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        spec.setdefault("internalTrafficPolicy", "Cluster")
        for port in spec.get("ports") or []:
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))
        obj.setdefault("status", {"loadBalancer": {}})
    elif rt.kind == "Namespace":
        obj.setdefault("spec", {"finalizers": ["kubernetes"]})
        obj["status"] = {"phase": "Active"}
        obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = obj["metadata"]["name"]
    elif rt.kind == "PersistentVolumeClaim":
        spec.setdefault("volumeMode", "Filesystem")
        # No provisioner serves the class `never-binds`: such a claim stays Pending (a test's lever).
        if spec.get("storageClassName") == NEVER_BINDS:
            obj.setdefault("status", {"phase": "Pending"})
        else:
            obj.setdefault("status", {"phase": "Bound", "accessModes": spec.get("accessModes"),
                                      "capacity": dict(spec["resources"]["requests"])})
    elif rt.kind == "Secret":
        obj.setdefault("type", "Opaque")
