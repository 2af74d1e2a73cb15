"""Pod Security admission, as the API server's built-in PodSecurity plugin does it (1.25+).

A namespace's labels choose a level per mode: `pod-security.kubernetes.io/enforce`, `.../warn`
(and `.../audit`, which only writes the audit log: accepted, not acted on), each with an
optional `...-version` (`latest` or `v1.x`). Levels: `privileged` (no checks, the default),
`baseline`, `restricted`. What the real plugin does, and so this module:

- a pod that violates the enforce level is refused: 403 `pods "x" is forbidden: violates
  PodSecurity "restricted:latest": <reason> (<detail>), ...` (pods made by a controller too:
  the ReplicaSet, Job or StatefulSet then fails to create them);
- a pod that violates the warn level, and a workload (Deployment, Job, ...) whose pod template
  does, are accepted with a `Warning` header; templates are never checked against the
  enforce level (the real plugin does not either: their pods are refused later);
- a namespace with an unknown level or version in these labels is refused (422).

The checks and their messages follow `k8s.io/pod-security-admission/policy`, in its order
(baseline checks, then the restricted ones, which supersede the overlapping baseline ones).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

from kubesim.errors import ApiError

PREFIX = "pod-security.kubernetes.io/"
MODES = ("enforce", "audit", "warn")
LEVELS = ("privileged", "baseline", "restricted")
LATEST = 10**6  # `latest`: newer than any v1.x
# Kinds whose pod template the plugin reads (the real plugin also knows DaemonSets, CronJobs...).
TEMPLATE_KINDS = frozenset({"Job", "Deployment", "ReplicaSet", "StatefulSet"})


@dataclass(frozen=True)
class LevelVersion:
    level: str
    minor: int  # LATEST or the x of v1.x

    def __str__(self) -> str:
        return f"{self.level}:{'latest' if self.minor == LATEST else f'v1.{self.minor}'}"


# --- the namespace's policy ---------------------------------------------------------------

def _parse_version(value: str) -> int | None:
    if value == "latest":
        return LATEST
    major, _, minor = value.partition(".")
    if major == "v1" and minor.isdigit() and (minor == "0" or not minor.startswith("0")):
        return int(minor)
    return None


def label_causes(namespace: dict) -> list[tuple[str, str, str]]:
    """422 causes for Pod Security labels the real plugin refuses on a namespace."""
    labels = (namespace.get("metadata") or {}).get("labels") or {}
    causes = []
    for mode in MODES:
        for key, valid, message in (
            (f"{PREFIX}{mode}", lambda v: v in LEVELS, f"must be one of {', '.join(LEVELS)}"),
            (f"{PREFIX}{mode}-version", lambda v: _parse_version(v) is not None, 'must be "latest" or "v1.x"'),
        ):
            if key in labels and not valid(labels[key]):
                causes.append((f"metadata.labels[{key}]", "FieldValueInvalid",
                               f'Invalid value: "{labels[key]}": {message}'))
    return causes


def policy(namespace: dict | None, mode: str) -> LevelVersion:
    """The level a namespace asks for in `mode`; unset is privileged, unparseable enforce restricted."""
    labels = ((namespace or {}).get("metadata") or {}).get("labels") or {}
    level = labels.get(f"{PREFIX}{mode}", "privileged")
    if level not in LEVELS:
        level = "restricted" if mode == "enforce" else "privileged"  # enforce fails closed, as upstream
    minor = _parse_version(labels.get(f"{PREFIX}{mode}-version", "latest"))
    return LevelVersion(level, LATEST if minor is None else minor)


# --- the checks ---------------------------------------------------------------------------

def _containers(spec: dict) -> list[dict]:
    return [c for key in ("initContainers", "containers", "ephemeralContainers")
            for c in spec.get(key) or [] if isinstance(c, dict)]


def _context(container: dict) -> dict:
    return container.get("securityContext") or {}


def _pod_context(spec: dict) -> dict:
    return spec.get("securityContext") or {}


def _quoted(names) -> str:
    return ", ".join(f'"{name}"' for name in names)


def _containers_phrase(names: list[str]) -> str:
    return f'{"container" if len(names) == 1 else "containers"} {_quoted(names)}'


def _host_namespaces(spec: dict) -> str | None:
    shared = sorted(key for key in ("hostIPC", "hostNetwork", "hostPID") if spec.get(key))
    return ", ".join(f"{key}=true" for key in shared) if shared else None


def _host_ports(spec: dict) -> str | None:
    names, ports = [], set()
    for container in _containers(spec):
        used = [p.get("hostPort") for p in container.get("ports") or [] if p.get("hostPort")]
        if used:
            names.append(container.get("name", ""))
            ports.update(str(port) for port in used)
    if not names:
        return None
    return (f'{_containers_phrase(names)} {"uses" if len(names) == 1 else "use"} '
            f'{"hostPort" if len(ports) == 1 else "hostPorts"} {", ".join(sorted(ports))}')


def _privileged(spec: dict) -> str | None:
    names = [c.get("name", "") for c in _containers(spec) if _context(c).get("privileged") is True]
    return f"{_containers_phrase(names)} must not set securityContext.privileged=true" if names else None


BASELINE_CAPABILITIES = frozenset({
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
    "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
})


def _capabilities_baseline(spec: dict) -> str | None:
    names, added = [], set()
    for container in _containers(spec):
        extra = set((_context(container).get("capabilities") or {}).get("add") or []) - BASELINE_CAPABILITIES
        if extra:
            names.append(container.get("name", ""))
            added |= extra
    if not names:
        return None
    return f"{_containers_phrase(names)} must not include {_quoted(sorted(added))} in securityContext.capabilities.add"


def _host_path_volumes(spec: dict) -> str | None:
    names = [v.get("name", "") for v in spec.get("volumes") or [] if isinstance(v, dict) and "hostPath" in v]
    return f'{"volume" if len(names) == 1 else "volumes"} {_quoted(names)}' if names else None


def _bad_seccomp_setters(spec: dict) -> tuple[list[str], set[str], list[str]]:
    """(pod/containers that set a type other than RuntimeDefault/Localhost, those types,
    containers that set none)."""
    allowed = ("RuntimeDefault", "Localhost")
    setters, values, unset = [], set(), []
    pod_profile = _pod_context(spec).get("seccompProfile")
    if pod_profile is not None and pod_profile.get("type") not in allowed:
        setters.append("pod")
        values.add(str(pod_profile.get("type")))
    bad_containers = []
    for container in _containers(spec):
        profile = _context(container).get("seccompProfile")
        if profile is not None:
            if profile.get("type") not in allowed:
                bad_containers.append(container.get("name", ""))
                values.add(str(profile.get("type")))
        elif pod_profile is None or pod_profile.get("type") not in allowed:
            unset.append(container.get("name", ""))
    if bad_containers:
        setters.append(_containers_phrase(bad_containers))
    return setters, values, unset


def _seccomp_baseline(spec: dict) -> str | None:
    setters, values, _ = _bad_seccomp_setters(spec)
    if setters:
        return f"{' and '.join(setters)} must not set securityContext.seccompProfile.type to {_quoted(sorted(values))}"
    return None


def _allow_privilege_escalation(spec: dict) -> str | None:
    names = [c.get("name", "") for c in _containers(spec) if _context(c).get("allowPrivilegeEscalation") is not False]
    return f"{_containers_phrase(names)} must set securityContext.allowPrivilegeEscalation=false" if names else None


def _capabilities_restricted(spec: dict) -> str | None:
    missing_drop, adding, added = [], [], set()
    for container in _containers(spec):
        capabilities = _context(container).get("capabilities")
        if capabilities is None:
            missing_drop.append(container.get("name", ""))
            continue
        if "ALL" not in (capabilities.get("drop") or []):
            missing_drop.append(container.get("name", ""))
        extra = {c for c in capabilities.get("add") or [] if c != "NET_BIND_SERVICE"}
        if extra:
            adding.append(container.get("name", ""))
            added |= extra
    details = []
    if missing_drop:
        details.append(f'{_containers_phrase(missing_drop)} must set securityContext.capabilities.drop=["ALL"]')
    if adding:
        details.append(f"{_containers_phrase(adding)} must not include {_quoted(sorted(added))} "
                       "in securityContext.capabilities.add")
    return "; ".join(details) or None


ALLOWED_VOLUME_TYPES = frozenset({
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
})


def _restricted_volumes(spec: dict) -> str | None:
    names = sorted(v.get("name", "") for v in spec.get("volumes") or []
                   if isinstance(v, dict) and not ALLOWED_VOLUME_TYPES & set(v))
    return f"volumes [{' '.join(json.dumps(n) for n in names)}] have restricted types" if names else None


def _run_as_non_root(spec: dict) -> str | None:
    setters = []
    pod_value = _pod_context(spec).get("runAsNonRoot")
    if pod_value is False:
        setters.append("pod")
    explicit, implicit = [], []
    for container in _containers(spec):
        value = _context(container).get("runAsNonRoot")
        if value is False:
            explicit.append(container.get("name", ""))
        elif value is None and pod_value is not True:
            implicit.append(container.get("name", ""))
    if explicit:
        setters.append(_containers_phrase(explicit))
    if setters:
        return f"{' and '.join(setters)} must not set securityContext.runAsNonRoot=false"
    if implicit:
        return f"pod or {_containers_phrase(implicit)} must set securityContext.runAsNonRoot=true"
    return None


def _run_as_user(spec: dict) -> str | None:
    setters = ["pod"] if _pod_context(spec).get("runAsUser") == 0 else []
    names = [c.get("name", "") for c in _containers(spec) if _context(c).get("runAsUser") == 0]
    if names:
        setters.append(_containers_phrase(names))
    return f"{' and '.join(setters)} must not set runAsUser=0" if setters else None


def _seccomp_restricted(spec: dict) -> str | None:
    detail = _seccomp_baseline(spec)
    if detail:
        return detail
    _, _, unset = _bad_seccomp_setters(spec)
    if unset:
        return (f'pod or {_containers_phrase(unset)} must set securityContext.seccompProfile.type to '
                '"RuntimeDefault" or "Localhost"')
    return None


@dataclass(frozen=True)
class Check:
    reason: str
    since: int  # the first v1.x policy version it belongs to
    detail: Callable[[dict], str | None]  # pod spec -> what violates it, or None


# Upstream's order. At `restricted` the overlapping baseline checks give way to restricted ones.
BASELINE = (
    Check("host namespaces", 0, _host_namespaces),
    Check("hostPort", 0, _host_ports),
    Check("privileged", 0, _privileged),
)
BASELINE_ONLY = (
    Check("non-default capabilities", 0, _capabilities_baseline),
    Check("hostPath volumes", 0, _host_path_volumes),
    Check("seccompProfile", 19, _seccomp_baseline),
)
RESTRICTED = (
    Check("allowPrivilegeEscalation != false", 8, _allow_privilege_escalation),
    Check("unrestricted capabilities", 22, _capabilities_restricted),
    Check("restricted volume types", 0, _restricted_volumes),
    Check("runAsNonRoot != true", 0, _run_as_non_root),
    Check("runAsUser=0", 23, _run_as_user),
    Check("seccompProfile", 19, _seccomp_restricted),
)


def violations(pod_spec: dict, level: LevelVersion) -> str:
    """`reason (detail), ...` for each check of `level` that `pod_spec` fails; "" when it passes."""
    if level.level == "privileged":
        return ""
    checks = BASELINE + (RESTRICTED if level.level == "restricted" else BASELINE_ONLY)
    failed = []
    for check in checks:
        if check.since > level.minor:
            continue
        detail = check.detail(pod_spec or {})
        if detail is not None:
            failed.append(f"{check.reason} ({detail})" if detail else check.reason)
    return ", ".join(failed)


# --- admission ----------------------------------------------------------------------------

def _pod_spec(kind: str, obj: dict) -> dict | None:
    if kind == "Pod":
        return obj.get("spec") or {}
    if kind in TEMPLATE_KINDS:
        return ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
    return None


def enforce(namespace: dict | None, kind: str, obj: dict) -> None:
    """Refuse a pod that violates its namespace's enforce level (403, the real message)."""
    if kind != "Pod":
        return
    level = policy(namespace, "enforce")
    failed = violations(obj.get("spec") or {}, level)
    if failed:
        name = (obj.get("metadata") or {}).get("name", "")
        raise ApiError(403, f'pods "{name}" is forbidden: violates PodSecurity "{level}": {failed}', "Forbidden",
                       {"name": name, "kind": "pods"})


def warnings(namespace: dict | None, kind: str, obj: dict) -> list[str]:
    """The `Warning` texts for a pod or pod template that violates the warn level."""
    spec = _pod_spec(kind, obj)
    if spec is None:
        return []
    level = policy(namespace, "warn")
    failed = violations(spec, level)
    return [f'would violate PodSecurity "{level}": {failed}'] if failed else []


def warning_header(text: str) -> str:
    """RFC 7234 `Warning` value as the API server writes it: code 299, no agent, quoted text."""
    return f"299 - {json.dumps(text)}"
