"""WorkloadSpec -> the Kubernetes objects that run it. Pure: no I/O.

Every object and every pod template carries the label contract (`labels.py`) and the
submitter annotation, so the refresh finds them with one LIST per kind. Names are the
workload name plus a short id suffix, so two workloads with the same name never collide.
"""

import re
from dataclasses import dataclass, field

from . import labels
from .quantities import format_cpu, format_memory

MODEL_DOWNLOAD = "Model Download"
INFERENCE = "Inference"
TRAINING = "Training"
PRE_TRAINING = "Pre-Training"
FINE_TUNING = "Fine-Tuning"
EVALUATION = "Evaluation"
WORKSPACE = "Workspace"

BATCH_TYPES = frozenset({MODEL_DOWNLOAD, TRAINING, PRE_TRAINING, FINE_TUNING, EVALUATION})
SERVICE_TYPES = frozenset({INFERENCE, WORKSPACE})
TYPES = BATCH_TYPES | SERVICE_TYPES
MODEL_TYPES = frozenset({MODEL_DOWNLOAD, FINE_TUNING, INFERENCE, EVALUATION})
WORKSPACE_FLAVOURS = ("jupyterlab", "vscode")
DEFAULT_PORTS = {INFERENCE: 8000, "jupyterlab": 8888, "vscode": 8080}
GPU = "nvidia.com/gpu"
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@dataclass(frozen=True)
class WorkloadSpec:
    workload_id: str
    project: str
    name: str  # DNS label
    type: str  # one of TYPES
    namespace: str
    image: str
    command: list[str] = field(default_factory=list)
    gpu: int = 0
    cpu_millicores: int = 1000
    memory_bytes: int = 2 * 2**30
    submitter: str = ""
    model: str = ""
    port: int | None = None
    workspace_flavour: str = "jupyterlab"
    workers: int = 1
    base_url: str = ""
    backoff_limit: int = 0
    ttl_seconds_after_finished: int | None = None
    env: dict = field(default_factory=dict)
    pod_annotations: dict = field(default_factory=dict)  # e.g. kubesim's kubesim.io/run-seconds

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError(f"unknown workload type {self.type!r}")
        if not self.name or len(self.name) > 63 or not _DNS_LABEL.match(self.name):
            raise ValueError(f"workload name must be a DNS label (a-z, 0-9, '-'): {self.name!r}")
        if not labels.is_label_value(str(self.workload_id)) or not str(self.workload_id):
            raise ValueError(f"workload id must be a valid label value: {self.workload_id!r}")
        if self.type == WORKSPACE and self.workspace_flavour not in WORKSPACE_FLAVOURS:
            raise ValueError(f"unknown workspace flavour {self.workspace_flavour!r}")
        if self.workers < 1 or self.gpu < 0 or self.cpu_millicores < 0 or self.memory_bytes < 0:
            raise ValueError("workers must be >= 1 and resources >= 0")

    @property
    def service_port(self) -> int | None:
        if self.type == INFERENCE:
            return self.port or DEFAULT_PORTS[INFERENCE]
        if self.type == WORKSPACE:
            return self.port or DEFAULT_PORTS[self.workspace_flavour]
        return self.port


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
        labels.WORKLOAD_TYPE: labels.type_label(spec.type),
        labels.MANAGED_BY: labels.MANAGED_BY_VALUE,
    }


def workload_annotations(spec: WorkloadSpec) -> dict[str, str]:
    return {labels.SUBMITTER: spec.submitter} if spec.submitter else {}


def workspace_path(spec: WorkloadSpec) -> str:
    """The path the workspace is served under: `/<project>/<name>/`."""
    return f"/{spec.project}/{spec.name}/"


def workspace_url(spec: WorkloadSpec) -> str:
    """`{base_url}/{project}/{name}/`: where the browser opens the workspace."""
    return spec.base_url.rstrip("/") + workspace_path(spec)


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
    if spec.type in MODEL_TYPES and spec.model:
        env["MODEL_NAME"] = spec.model
    if spec.type == WORKSPACE:
        env["BASE_PATH"] = workspace_path(spec)
    if spec.type == PRE_TRAINING:
        env["WORKERS"] = str(spec.workers)
    env.update({str(key): str(value) for key, value in spec.env.items()})
    return [{"name": key, "value": value} for key, value in env.items()]


def _workspace_command(spec: WorkloadSpec) -> list[str]:
    port, path = spec.service_port, workspace_path(spec)
    if spec.workspace_flavour == "vscode":
        return [
            "code-server",
            "--bind-addr",
            f"0.0.0.0:{port}",
            "--auth",
            "none",
            "--abs-proxy-base-path",
            path,
        ]
    return [
        "jupyter",
        "lab",
        "--ip=0.0.0.0",
        f"--port={port}",
        "--no-browser",
        f"--ServerApp.base_url={path}",
    ]


def _container(spec: WorkloadSpec) -> dict:
    container = {
        "name": "main",
        "image": spec.image,
        "env": _env(spec),
        "resources": _resources(spec),
    }
    command = list(spec.command) or (_workspace_command(spec) if spec.type == WORKSPACE else [])
    if command:
        container["command"] = command
    port = spec.service_port
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
        "spec": {"restartPolicy": restart_policy, "containers": [_container(spec)]},
    }


def _job(spec: WorkloadSpec) -> dict:
    workers = spec.workers if spec.type == PRE_TRAINING else 1
    job_spec = {
        "backoffLimit": spec.backoff_limit,
        "parallelism": workers,
        "completions": workers,
        "template": _pod_template(spec, "Never"),
    }
    if workers > 1:
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
        "replicas": 1,
        "selector": {"matchLabels": {labels.WORKLOAD_ID: str(spec.workload_id)}},
        "template": _pod_template(spec, "Always"),
    }
    if spec.type == WORKSPACE or spec.gpu:
        # A rolling update would need a second set of GPUs (and quota) during the switch.
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
            "ports": [{"name": "http", "port": spec.service_port, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def build_manifests(spec: WorkloadSpec) -> list[dict]:
    """The objects to create for `spec`, in creation order."""
    if spec.type in BATCH_TYPES:
        return [_job(spec)]
    return [_deployment(spec), _service(spec)]
