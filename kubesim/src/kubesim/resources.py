"""The resource registry: which kinds exist, where they live in the URL space, how they are
validated on write and which defaults the server fills in.
"""

import re
from dataclasses import dataclass, field

from kubesim import podsecurity
from kubesim.errors import invalid

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


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

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        return self.kind.lower()


RESOURCES = [
    ResourceType("", "v1", "namespaces", "Namespace", False, ("ns",), "label"),
    ResourceType("", "v1", "nodes", "Node", False, ("no",)),
    ResourceType("", "v1", "pods", "Pod", True, ("po",), subresources=("status", "log")),
    ResourceType("", "v1", "services", "Service", True, ("svc",), "1035"),
    ResourceType("", "v1", "configmaps", "ConfigMap", True, ("cm",), subresources=()),
    ResourceType("", "v1", "secrets", "Secret", True, (), subresources=()),
    ResourceType("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", True, ("pvc",)),
    ResourceType("", "v1", "events", "Event", True, ("ev",), subresources=()),
    ResourceType("batch", "v1", "jobs", "Job", True, ()),
    ResourceType("apps", "v1", "deployments", "Deployment", True, ("deploy",)),
    ResourceType("apps", "v1", "replicasets", "ReplicaSet", True, ("rs",)),
    ResourceType("apps", "v1", "statefulsets", "StatefulSet", True, ("sts",)),
    # Stored as sent: no controller acts on them (no ingress controller, no network plugin).
    ResourceType("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True, ("netpol",), subresources=()),
    ResourceType("networking.k8s.io", "v1", "ingresses", "Ingress", True, ("ing",)),
    # A custom resource, as if KServe's CRD were installed.
    ResourceType("serving.kserve.io", "v1beta1", "inferenceservices", "InferenceService", True, ("isvc",)),
]

BY_KIND = {rt.kind: rt for rt in RESOURCES}
BY_PATH = {(rt.group, rt.version, rt.plural): rt for rt in RESOURCES}
# Kinds whose status is owned by controllers: a create or an update of the main resource
# ignores the status sent by the client (it is written through `/status`).
CONTROLLER_STATUS_KINDS = {"Pod", "Job", "Deployment", "ReplicaSet", "StatefulSet", "InferenceService"}


def resource_for_kind(kind: str) -> ResourceType:
    return BY_KIND[kind]


def groups() -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for rt in RESOURCES:
        result.setdefault(rt.group, [])
        if rt.version not in result[rt.group]:
            result[rt.group].append(rt.version)
    return result


# --- validation -------------------------------------------------------------------------

def _name_causes(rt: ResourceType, name: str) -> list[tuple[str, str, str]]:
    if not name:
        return [("metadata.name", "FieldValueRequired", "Required value: name or generateName is required")]
    if rt.name_rule == "label":
        ok, rule = len(name) <= 63 and _DNS_LABEL.match(name), "RFC 1123 label"
    elif rt.name_rule == "1035":
        ok, rule = len(name) <= 63 and _DNS_1035_LABEL.match(name), "RFC 1035 label"
    else:
        ok, rule = len(name) <= 253 and _DNS_SUBDOMAIN.match(name), "RFC 1123 subdomain"
    if ok:
        return []
    return [(
        "metadata.name",
        "FieldValueInvalid",
        f'Invalid value: "{name}": a lowercase {rule} must consist of lower case alphanumeric '
        "characters, '-' or '.', and must start and end with an alphanumeric character",
    )]


def _pod_spec_causes(spec, prefix: str) -> list[tuple[str, str, str]]:
    if not isinstance(spec, dict):
        return [(prefix, "FieldValueRequired", "Required value")]
    containers = spec.get("containers")
    if not containers:
        return [(f"{prefix}.containers", "FieldValueRequired", "Required value")]
    causes = []
    seen = set()
    for index, container in enumerate(containers):
        path = f"{prefix}.containers[{index}]"
        if not isinstance(container, dict) or not container.get("name"):
            causes.append((f"{path}.name", "FieldValueRequired", "Required value"))
        elif container["name"] in seen:
            causes.append((f"{path}.name", "FieldValueDuplicate", f'Duplicate value: "{container["name"]}"'))
        else:
            seen.add(container["name"])
        if isinstance(container, dict) and not container.get("image"):
            causes.append((f"{path}.image", "FieldValueRequired", "Required value"))
    return causes


def _labels_of(obj, *path) -> dict:
    for part in path:
        obj = obj.get(part) if isinstance(obj, dict) else None
    return obj or {}


def _workload_causes(obj: dict, *, selector_required: bool, restart_policies: tuple | None) -> list:
    spec = obj.get("spec") or {}
    causes = []
    if selector_required and not spec.get("selector"):
        causes.append(("spec.selector", "FieldValueRequired", "Required value"))
    template = spec.get("template")
    if not template:
        causes.append(("spec.template", "FieldValueRequired", "Required value"))
        return causes
    causes += _pod_spec_causes(template.get("spec"), "spec.template.spec")
    if restart_policies is not None:
        policy = (template.get("spec") or {}).get("restartPolicy")
        if policy not in restart_policies:
            allowed = ", ".join(f'"{p}"' for p in restart_policies)
            causes.append((
                "spec.template.spec.restartPolicy",
                "FieldValueRequired" if policy is None else "FieldValueNotSupported",
                f"Required value: valid values: {allowed}" if policy is None
                else f'Unsupported value: "{policy}": supported values: {allowed}',
            ))
    selector = spec.get("selector")
    if selector_required and selector:
        from kubesim.selectors import labels_match, selector_from_match_labels

        requirements = selector_from_match_labels(selector)
        if not requirements:
            causes.append(("spec.selector", "FieldValueInvalid", "Invalid value: empty selector is invalid"))
        elif not labels_match(requirements, _labels_of(template, "metadata", "labels")):
            causes.append((
                "spec.template.metadata.labels",
                "FieldValueInvalid",
                "Invalid value: `selector` does not match template `labels`",
            ))
    return causes


def validate(rt: ResourceType, obj: dict) -> None:
    """Raise a 422 Invalid naming the offending fields, as the real API server does."""
    metadata = obj.get("metadata") or {}
    name = metadata.get("name", "")
    causes = _name_causes(rt, name)
    spec = obj.get("spec")
    if rt.kind == "Pod":
        causes += _pod_spec_causes(spec, "spec")
    elif rt.kind == "Job":
        causes += _workload_causes(obj, selector_required=False, restart_policies=("OnFailure", "Never"))
    elif rt.kind in ("Deployment", "ReplicaSet", "StatefulSet"):
        causes += _workload_causes(obj, selector_required=True, restart_policies=None)
    elif rt.kind == "Service":
        for index, port in enumerate((spec or {}).get("ports") or []):
            if not isinstance(port, dict) or not port.get("port"):
                causes.append((f"spec.ports[{index}].port", "FieldValueRequired", "Required value"))
    elif rt.kind == "InferenceService":
        # The CRD's schema requires a predictor.
        if not isinstance((spec or {}).get("predictor"), dict):
            causes.append(("spec.predictor", "FieldValueRequired", "Required value"))
    elif rt.kind == "Namespace":
        causes += podsecurity.label_causes(obj)
    elif rt.kind == "PersistentVolumeClaim":
        spec = spec or {}
        if not spec.get("accessModes"):
            causes.append(("spec.accessModes", "FieldValueRequired", "Required value: at least 1 access mode is required"))
        if not _labels_of(spec, "resources", "requests").get("storage"):
            causes.append(("spec.resources[storage]", "FieldValueRequired", "Required value"))
    for key in _labels_of(obj, "metadata", "labels"):
        if not re.match(r"^([a-z0-9.-]+/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", key):
            causes.append(("metadata.labels", "FieldValueInvalid", f'Invalid value: "{key}": invalid label key'))
    if causes:
        raise invalid(rt.kind, name, causes, rt.group)


# --- defaults ---------------------------------------------------------------------------

def _default_pod_spec(spec: dict) -> None:
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("securityContext", {})
    for container in spec.get("containers") or []:
        container.setdefault("terminationMessagePath", "/dev/termination-log")
        container.setdefault("terminationMessagePolicy", "File")
        image = container.get("image") or ""
        container.setdefault("imagePullPolicy", "Always" if image.endswith(":latest") or ":" not in image else "IfNotPresent")
        container.setdefault("resources", {})


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
        for port in spec.get("ports") or []:
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))
    elif rt.kind == "Namespace":
        obj.setdefault("spec", {"finalizers": ["kubernetes"]})
        obj["status"] = {"phase": "Active"}
        obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = obj["metadata"]["name"]
    elif rt.kind == "PersistentVolumeClaim":
        spec.setdefault("volumeMode", "Filesystem")
        obj.setdefault("status", {"phase": "Bound", "accessModes": spec.get("accessModes"),
                                  "capacity": dict(spec["resources"]["requests"])})
    elif rt.kind == "Secret":
        obj.setdefault("type", "Opaque")
