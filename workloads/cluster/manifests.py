"""WorkloadSpec -> the Kubernetes objects that run it. Pure: no I/O, no workload-type rules.

Every object and every pod template carries the label contract (`labels.py`) and the
submitter annotation, so the refresh finds them with one LIST per kind. Names are the
workload name plus a short id suffix, so two workloads with the same name never collide.

Every pod runs under the `restricted` Pod Security level (non-root, no privilege escalation,
no capabilities, the runtime's seccomp profile) without a service-account token. A workload
served to browsers under a path (a workspace) also gets a NetworkPolicy that admits only the
ingress controller, and an Ingress whose controller asks devcenter first (`BrowserAccess`).
"""

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from . import labels
from .quantities import format_cpu, format_memory
from .resources import GPU

# A spec's shape: how it runs, in Kubernetes terms (`workloads.types.Shape` maps types to these).
BATCH = "batch"  # runs to completion: one Job of `pods` parallel pods
SERVICE = "service"  # runs until deleted: a Deployment of `pods` replicas and a Service on `port`
SHAPES = frozenset({BATCH, SERVICE})
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# The uid every pod runs as: the first user of most images (jupyter's jovyan, code-server's
# coder), never root, so an image whose default user is root still starts (as this user).
RUN_AS_USER = 1000
# What an Ingress controller copies from devcenter's forward-auth answer into the request it
# forwards (replacing whatever the browser sent): the server's key, the browser's cookies
# without devcenter's own, and who is asking.
AUTH_RESPONSE_HEADERS = ("Authorization", "Cookie", "X-Auth-Request-User")
INGRESS_NGINX = "nginx.ingress.kubernetes.io/"


@dataclass(frozen=True)
class BrowserAccess:
    """How browsers reach a workload served under a path, and who else may connect to its pods.

    Its pods admit connections only from the ingress controller's pods (`controller_namespace`,
    `controller_pod_labels`: a NetworkPolicy). The Ingress is made only with an `auth_url`:
    the controller asks it before every request (ingress-nginx `auth-url`), so there is never
    an unauthenticated route to a workspace.
    """

    controller_namespace: str = "ingress-nginx"
    controller_pod_labels: dict = field(default_factory=lambda: {"app.kubernetes.io/name": "ingress-nginx"})
    auth_url: str = ""  # devcenter's /auth/workspace/ as the ingress controller reaches it
    signin_url: str = ""  # devcenter's sign-in page as browsers reach it (on 401)
    ingress_class: str = ""  # spec.ingressClassName; "" for the cluster's default class


@dataclass(frozen=True)
class WorkloadSpec:
    """A workload's objects in Kubernetes terms, with no rule of its own per workload type.

    The facts that depend on the type (shape, port, pods, command, variables) are filled in by
    `workloads.lifecycle.launch_spec.workload_spec` from the type registry (`workloads.types`).
    """

    workload_id: str
    project: str
    name: str  # DNS label
    type: str  # the type's label value (`devcenter.io/workload-type`), e.g. "model-download"
    shape: str  # BATCH or SERVICE
    namespace: str
    image: str
    command: list[str] = field(default_factory=list)
    gpu: int = 0
    cpu_millicores: int = 1000
    memory_bytes: int = 2 * 2**30
    submitter: str = ""
    port: int | None = None  # the container's http port; a service must have one
    pods: int = 1
    path: str = ""  # served to the browser under this path ("/<project>/<name>/"); "" when not
    base_url: str = ""
    backoff_limit: int = 0
    ttl_seconds_after_finished: int | None = None
    env: dict = field(default_factory=dict)
    pod_annotations: dict = field(default_factory=dict)  # e.g. kubesim's kubesim.io/run-seconds
    access: BrowserAccess = field(default_factory=BrowserAccess)  # read only when served under a path

    def __post_init__(self):
        if self.shape not in SHAPES:
            raise ValueError(f"unknown shape {self.shape!r}: {' or '.join(sorted(SHAPES))}")
        if not self.type or not labels.is_label_value(self.type):
            raise ValueError(f"workload type must be a valid label value: {self.type!r}")
        if not self.name or len(self.name) > 63 or not _DNS_LABEL.match(self.name):
            raise ValueError(f"workload name must be a DNS label (a-z, 0-9, '-'): {self.name!r}")
        if not labels.is_label_value(str(self.workload_id)) or not str(self.workload_id):
            raise ValueError(f"workload id must be a valid label value: {self.workload_id!r}")
        if self.port is not None and not 1 <= self.port <= 65535:
            raise ValueError(f"port must be between 1 and 65535: {self.port!r}")
        if self.shape == SERVICE and self.port is None:
            raise ValueError("a service needs a port")
        if self.pods < 1 or self.gpu < 0 or self.cpu_millicores < 0 or self.memory_bytes < 0:
            raise ValueError("pods must be >= 1 and resources >= 0")


def object_name(spec: WorkloadSpec) -> str:
    """`<name>-<id suffix>`, at most 63 characters, starting with a letter (Service names)."""
    suffix = re.sub(r"[^a-z0-9]", "", str(spec.workload_id).lower())[:8] or "0"
    stem = spec.name[: 63 - len(suffix) - 1].rstrip("-")
    if not stem[:1].isalpha():
        stem = ("w" + stem)[: 63 - len(suffix) - 1].rstrip("-")
    return f"{stem}-{suffix}"


def workload_labels(spec: WorkloadSpec) -> dict[str, str]:
    return {
        labels.WORKLOAD_ID: str(spec.workload_id),
        labels.PROJECT: spec.project,
        labels.WORKLOAD_TYPE: spec.type,
        labels.MANAGED_BY: labels.MANAGED_BY_VALUE,
    }


def workload_annotations(spec: WorkloadSpec) -> dict[str, str]:
    return {labels.SUBMITTER: spec.submitter} if spec.submitter else {}


def workspace_url(spec: WorkloadSpec) -> str:
    """`{base_url}{path}`: where the browser opens the workload; "" when it has none."""
    if not (spec.path and spec.base_url):
        return ""
    return spec.base_url.rstrip("/") + spec.path


def _metadata(spec: WorkloadSpec, name: str) -> dict:
    return {
        "name": name,
        "namespace": spec.namespace,
        "labels": workload_labels(spec),
        "annotations": workload_annotations(spec),
    }


def _resources(spec: WorkloadSpec) -> dict:
    requests = {"cpu": format_cpu(spec.cpu_millicores), "memory": format_memory(spec.memory_bytes)}
    limits = {"memory": format_memory(spec.memory_bytes)}
    if spec.gpu:
        # Extended resources cannot be overcommitted: requests must equal limits.
        requests[GPU] = limits[GPU] = str(spec.gpu)
    return {"requests": requests, "limits": limits}


def _env(spec: WorkloadSpec) -> list[dict]:
    env = {"DEVCENTER_WORKLOAD_ID": str(spec.workload_id), "DEVCENTER_PROJECT": spec.project}
    if spec.path:
        env["BASE_PATH"] = spec.path
    env.update({str(key): str(value) for key, value in spec.env.items()})
    return [{"name": key, "value": value} for key, value in env.items()]


def _container(spec: WorkloadSpec) -> dict:
    container = {
        "name": "main",
        "image": spec.image,
        "env": _env(spec),
        "resources": _resources(spec),
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
    }
    if spec.command:
        container["command"] = list(spec.command)
    port = spec.port
    if port:
        container["ports"] = [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        # Ready means the server answers, not merely that the container started.
        container["readinessProbe"] = {
            "tcpSocket": {"port": port},
            "initialDelaySeconds": 2,
            "periodSeconds": 5,
        }
    return container


def _pod_template(spec: WorkloadSpec, restart_policy: str) -> dict:
    return {
        "metadata": {
            "labels": workload_labels(spec),
            "annotations": {**spec.pod_annotations, **workload_annotations(spec)},
        },
        "spec": {
            "restartPolicy": restart_policy,
            # Nothing a workload runs talks to the Kubernetes API: no token in its file system.
            "automountServiceAccountToken": False,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": RUN_AS_USER,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "containers": [_container(spec)],
        },
    }


def _job(spec: WorkloadSpec) -> dict:
    job_spec = {
        "backoffLimit": spec.backoff_limit,
        "parallelism": spec.pods,
        "completions": spec.pods,
        "template": _pod_template(spec, "Never"),
    }
    if spec.pods > 1:
        job_spec["completionMode"] = "Indexed"  # each worker gets JOB_COMPLETION_INDEX
    if spec.ttl_seconds_after_finished is not None:
        job_spec["ttlSecondsAfterFinished"] = spec.ttl_seconds_after_finished
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": _metadata(spec, object_name(spec)),
        "spec": job_spec,
    }


def _deployment(spec: WorkloadSpec) -> dict:
    deployment_spec = {
        "replicas": spec.pods,
        "selector": {"matchLabels": {labels.WORKLOAD_ID: str(spec.workload_id)}},
        "template": _pod_template(spec, "Always"),
    }
    if spec.path or spec.gpu:
        # Never two copies at once: a rolling update would need a second set of GPUs (and quota)
        # during the switch, and would serve one person's browser session from two servers.
        deployment_spec["strategy"] = {"type": "Recreate"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(spec, object_name(spec)),
        "spec": deployment_spec,
    }


def _service(spec: WorkloadSpec) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(spec, object_name(spec)),
        "spec": {
            "type": "ClusterIP",
            "selector": {labels.WORKLOAD_ID: str(spec.workload_id)},
            "ports": [{"name": "http", "port": spec.port, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def _network_policy(spec: WorkloadSpec) -> dict:
    """Only the ingress controller's pods may connect, and only to the server's port.

    The workspace's own server trusts whoever passed devcenter's forward-auth at the ingress:
    any other pod of the cluster (another project's) must not reach it directly.
    """
    peer = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": spec.access.controller_namespace}}}
    if spec.access.controller_pod_labels:
        peer["podSelector"] = {"matchLabels": dict(spec.access.controller_pod_labels)}  # and: these pods of it
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _metadata(spec, object_name(spec)),
        "spec": {
            "podSelector": {"matchLabels": {labels.WORKLOAD_ID: str(spec.workload_id)}},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [peer], "ports": [{"protocol": "TCP", "port": spec.port}]}],
        },
    }


def _ingress(spec: WorkloadSpec) -> dict:
    """The route from `workspace_url(spec)` to the Service, behind devcenter's forward-auth."""
    url = urlsplit(workspace_url(spec))
    access = spec.access
    annotations = {
        **workload_annotations(spec),
        INGRESS_NGINX + "auth-url": access.auth_url,
        INGRESS_NGINX + "auth-response-headers": ",".join(AUTH_RESPONSE_HEADERS),
        # Notebooks and editors hold websockets open and upload files in large chunks.
        INGRESS_NGINX + "proxy-read-timeout": "3600",
        INGRESS_NGINX + "proxy-send-timeout": "3600",
        INGRESS_NGINX + "proxy-body-size": "64m",
    }
    if access.signin_url:
        annotations[INGRESS_NGINX + "auth-signin"] = access.signin_url
        annotations[INGRESS_NGINX + "auth-signin-redirect-param"] = "next"  # Django's
    rule = {
        "http": {
            "paths": [{
                "path": url.path or "/",
                "pathType": "Prefix",
                "backend": {"service": {"name": object_name(spec), "port": {"name": "http"}}},
            }]
        }
    }
    host = url.hostname or ""
    if host and not _is_ip(host):  # an Ingress host is a DNS name; an address means any host
        rule["host"] = host
    ingress_spec = {"rules": [rule]}
    if access.ingress_class:
        ingress_spec["ingressClassName"] = access.ingress_class
    if url.scheme == "https" and "host" in rule:
        ingress_spec["tls"] = [{"hosts": [host]}]  # the controller's default certificate
    metadata = _metadata(spec, object_name(spec))
    metadata["annotations"] = annotations
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": metadata, "spec": ingress_spec}


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def build_manifests(spec: WorkloadSpec) -> list[dict]:
    """The objects to create for `spec`, in creation order.

    A workload served under a path gets its NetworkPolicy first (its pods never start
    unguarded) and its Ingress last (no route before there is something behind it).
    """
    if spec.shape == BATCH:
        return [_job(spec)]
    if not spec.path:
        return [_deployment(spec), _service(spec)]
    manifests = [_network_policy(spec), _deployment(spec), _service(spec)]
    if spec.access.auth_url and workspace_url(spec):
        manifests.append(_ingress(spec))
    return manifests
