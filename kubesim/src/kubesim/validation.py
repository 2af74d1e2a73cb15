"""Validation on write, with the API server's field paths and messages (measured on v1.20).

`decode_check` is what the server's JSON decoding refuses (400: a malformed quantity), `validate`
what its validation refuses (422 Invalid naming every offending field).
"""

import re

from kubesim import podsecurity
from kubesim.errors import ApiError, invalid
from kubesim.quantities import InvalidQuantity, parse_quantity
from kubesim.selectors import labels_match, selector_from_match_labels

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
_IANA_SVC_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")

DNS_LABEL_MESSAGE = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
                     "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
                     "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
DNS_1035_MESSAGE = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
                    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
                    "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
DNS_SUBDOMAIN_MESSAGE = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
                         "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
                         "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
QUALIFIED_NAME_MESSAGE = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
                          "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
                          "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
LABEL_VALUE_MESSAGE = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
                       "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
                       "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
ENV_NAME_MESSAGE = ("a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or "
                    "'.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', "
                    "regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')")
PORT_RANGE = "must be between 1 and 65535, inclusive"
RESTART_POLICIES = ("Always", "OnFailure", "Never")
# Resources the kubelet can overcommit; any other (nvidia.com/gpu) needs requests == limits.
OVERCOMMITTABLE = ("cpu", "memory", "ephemeral-storage")

Cause = tuple[str, str, str]  # (field, reason, message)


def _invalid(field: str, value, why: str) -> Cause:
    shown = f'"{value}"' if isinstance(value, str) else value
    return field, "FieldValueInvalid", f"Invalid value: {shown}: {why}"


def _required(field: str, why: str = "") -> Cause:
    return field, "FieldValueRequired", f"Required value: {why}" if why else "Required value"


def _unsupported(field: str, value, allowed) -> Cause:
    listed = ", ".join(f'"{a}"' for a in allowed)
    return field, "FieldValueNotSupported", f'Unsupported value: "{value}": supported values: {listed}'


def _duplicate(field: str, value) -> Cause:
    return field, "FieldValueDuplicate", f'Duplicate value: "{value}"'


def dns_label_causes(field: str, value: str, rule: str = "label") -> list[Cause]:
    limit, pattern, message = {
        "label": (63, _DNS_LABEL, DNS_LABEL_MESSAGE),
        "1035": (63, _DNS_1035_LABEL, DNS_1035_MESSAGE),
        "subdomain": (253, _DNS_SUBDOMAIN, DNS_SUBDOMAIN_MESSAGE),
    }[rule]
    causes = []
    if len(value) > limit:
        causes.append(_invalid(field, value, f"must be no more than {limit} characters"))
    if not pattern.match(value):
        causes.append(_invalid(field, value, message))
    return causes


def _name_causes(rule: str, metadata: dict) -> list[Cause]:
    name = metadata.get("name") or ""
    if not name:
        return [_required("metadata.name", "name or generateName is required")]
    return dns_label_causes("metadata.name", name, rule)


def _label_causes(labels) -> list[Cause]:
    causes = []
    if not isinstance(labels, dict):
        return causes
    for key, value in labels.items():
        prefix, _, name = key.rpartition("/")
        if prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
            causes.append(_invalid("metadata.labels", key, "prefix part " + DNS_SUBDOMAIN_MESSAGE))
        if not name or len(name) > 63:
            causes.append(_invalid("metadata.labels", key, "name part must be no more than 63 characters"
                                   if name else "name part must be non-empty"))
        elif not _QUALIFIED_NAME.match(name):
            causes.append(_invalid("metadata.labels", key, QUALIFIED_NAME_MESSAGE))
        value = "" if value is None else str(value)
        if len(value) > 63:
            causes.append(_invalid("metadata.labels", value, "must be no more than 63 characters"))
        if not _LABEL_VALUE.match(value):
            causes.append(_invalid("metadata.labels", value, LABEL_VALUE_MESSAGE))
    return causes


def _port_causes(field: str, port) -> list[Cause]:
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        return [_invalid(field, port, PORT_RANGE)]
    return []


def _resources_causes(path: str, resources) -> list[Cause]:
    if not isinstance(resources, dict):
        return []
    requests = resources.get("requests") or {}
    limits = resources.get("limits") or {}
    causes = []
    for kind, values in (("limits", limits), ("requests", requests)):
        for name, text in values.items():
            if parse_quantity(text) < 0:
                causes.append(_invalid(f"{path}.{kind}[{name}]", str(text), "must be greater than or equal to 0"))
            elif name not in OVERCOMMITTABLE and not name.startswith("hugepages-") and \
                    parse_quantity(text).denominator != 1:
                causes.append(_invalid(f"{path}.{kind}[{name}]", str(text), "must be an integer"))
    for name, text in requests.items():
        value = parse_quantity(text)
        if name in OVERCOMMITTABLE or name.startswith("hugepages-"):
            if name in limits and value > parse_quantity(limits[name]):
                causes.append(_invalid(f"{path}.requests", str(text), f"must be less than or equal to {name} limit"))
        elif name not in limits:
            causes.append(_required(f"{path}.limits", "Limit must be set for non overcommitable resources"))
        elif value != parse_quantity(limits[name]):
            causes.append(_invalid(f"{path}.requests", str(text), f"must be equal to {name} limit"))
    return causes


def _container_causes(path: str, container, seen: set) -> list[Cause]:
    if not isinstance(container, dict):
        return [_required(f"{path}.name")]
    causes = []
    name = container.get("name")
    if not name:
        causes.append(_required(f"{path}.name"))
    elif name in seen:
        causes.append(_duplicate(f"{path}.name", name))
    else:
        seen.add(name)
        causes += dns_label_causes(f"{path}.name", name)
    if not container.get("image"):
        causes.append(_required(f"{path}.image"))
    for index, port in enumerate(container.get("ports") or []):
        causes += _port_causes(f"{path}.ports[{index}].containerPort", (port or {}).get("containerPort"))
    for index, variable in enumerate(container.get("env") or []):
        env_name = (variable or {}).get("name") or ""
        if not env_name:
            causes.append(_required(f"{path}.env[{index}].name"))
        elif not _ENV_NAME.match(env_name):
            causes.append(_invalid(f"{path}.env[{index}].name", env_name, ENV_NAME_MESSAGE))
    causes += _resources_causes(f"{path}.resources", container.get("resources"))
    return causes


def pod_spec_causes(spec, prefix: str, restart_policies=RESTART_POLICIES) -> list[Cause]:
    if not isinstance(spec, dict):
        return [_required(prefix)]
    causes = []
    containers = spec.get("containers")
    if not containers:
        causes.append(_required(f"{prefix}.containers"))
    seen: set = set()
    for index, container in enumerate(spec.get("initContainers") or []):
        causes += _container_causes(f"{prefix}.initContainers[{index}]", container, seen)
    for index, container in enumerate(containers or []):
        causes += _container_causes(f"{prefix}.containers[{index}]", container, seen)
    policy = spec.get("restartPolicy")
    if policy is None and "Always" not in restart_policies:  # templates default to Always
        allowed = ", ".join(f'"{p}"' for p in restart_policies)
        causes.append(_required(f"{prefix}.restartPolicy", f"valid values: {allowed}"))
    elif policy is not None and policy not in restart_policies:
        causes.append(_unsupported(f"{prefix}.restartPolicy", policy, restart_policies))
    return causes


def _labels_of(obj, *path) -> dict:
    for part in path:
        obj = obj.get(part) if isinstance(obj, dict) else None
    return obj or {}


def _workload_causes(obj: dict, *, selector_required: bool, restart_policies) -> list[Cause]:
    spec = obj.get("spec") or {}
    causes = []
    if selector_required and not spec.get("selector"):
        causes.append(_required("spec.selector"))
    template = spec.get("template")
    if not template:
        causes.append(_required("spec.template"))
        return causes
    causes += pod_spec_causes(template.get("spec"), "spec.template.spec", restart_policies)
    selector = spec.get("selector")
    if selector_required and selector:
        requirements = selector_from_match_labels(selector)
        if not requirements:
            causes.append(_invalid("spec.selector", "", "empty selector is invalid"))
        elif not labels_match(requirements, _labels_of(template, "metadata", "labels")):
            causes.append(("spec.template.metadata.labels", "FieldValueInvalid",
                           "Invalid value: `selector` does not match template `labels`"))
    return causes


def _service_causes(spec) -> list[Cause]:
    spec = spec if isinstance(spec, dict) else {}
    ports = spec.get("ports") or []
    causes = []
    names: set = set()
    for index, port in enumerate(ports):
        path = f"spec.ports[{index}]"
        port = port if isinstance(port, dict) else {}
        name = port.get("name") or ""
        if len(ports) > 1 and not name:
            causes.append(_required(f"{path}.name"))
        elif name in names:
            causes.append(_duplicate(f"{path}.name", name))
        elif name:
            names.add(name)
            causes += dns_label_causes(f"{path}.name", name)
        if "port" not in port:
            causes.append(_required(f"{path}.port"))
        else:
            causes += _port_causes(f"{path}.port", port.get("port"))
        protocol = port.get("protocol", "TCP")
        if protocol not in ("SCTP", "TCP", "UDP"):
            causes.append(_unsupported(f"{path}.protocol", protocol, ("SCTP", "TCP", "UDP")))
        target = port.get("targetPort", port.get("port"))
        if isinstance(target, str):
            if len(target) > 15 or not _IANA_SVC_NAME.match(target) or not re.search("[a-z]", target):
                causes.append(_invalid(f"{path}.targetPort", target,
                                       "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"))
        elif "port" in port:
            causes += _port_causes(f"{path}.targetPort", target)
    return causes


def decode_check(kind: str, api_version: str, obj: dict) -> None:
    """What the server's decoding refuses (400): quantities that are not quantities."""
    def check(resources):
        for values in ((resources or {}).get("requests") or {}, (resources or {}).get("limits") or {}):
            for value in values.values() if isinstance(values, dict) else ():
                parse_quantity(value)

    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    template = spec.get("template") if isinstance(spec.get("template"), dict) else {}
    pod_spec = spec if kind == "Pod" else (template.get("spec") if isinstance(template.get("spec"), dict) else {})
    try:
        for container in [*(pod_spec.get("containers") or []), *(pod_spec.get("initContainers") or [])]:
            if isinstance(container, dict):
                check(container.get("resources"))
        if kind == "ResourceQuota":
            for value in (spec.get("hard") or {}).values():
                parse_quantity(value)
        if kind == "PersistentVolumeClaim":
            check(spec.get("resources"))
    except InvalidQuantity as error:
        raise ApiError(400, f'{kind} in version "{api_version.rpartition("/")[2]}" cannot be handled as a {kind}: '
                            f"{error}", "BadRequest") from None


def validate(rt, obj: dict) -> None:
    """Raise a 422 Invalid naming the offending fields, as the real API server does."""
    metadata = obj.get("metadata") or {}
    causes = _name_causes(rt.name_rule, metadata)
    spec = obj.get("spec")
    if rt.kind == "Pod":
        causes += pod_spec_causes(spec, "spec")
    elif rt.kind == "Job":
        causes += _workload_causes(obj, selector_required=False, restart_policies=("OnFailure", "Never"))
    elif rt.kind in ("Deployment", "ReplicaSet", "StatefulSet"):
        causes += _workload_causes(obj, selector_required=True, restart_policies=("Always",))
    elif rt.kind == "Service":
        causes += _service_causes(spec)
    elif rt.kind == "InferenceService":
        # The CRD's schema requires a predictor.
        if not isinstance((spec or {}).get("predictor"), dict):
            causes.append(_required("spec.predictor"))
    elif rt.kind == "Namespace":
        causes += podsecurity.label_causes(obj)
    elif rt.kind == "PersistentVolumeClaim":
        spec = spec or {}
        if not spec.get("accessModes"):
            causes.append(_required("spec.accessModes", "at least 1 access mode is required"))
        if not _labels_of(spec, "resources", "requests").get("storage"):
            causes.append(_required("spec.resources[storage]"))
    causes += _label_causes(metadata.get("labels"))
    if causes:
        raise invalid(rt.kind, metadata.get("name") or "", causes, rt.group)
