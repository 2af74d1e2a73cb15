"""Workload types: one record per type, read by every layer. Pure: no models, no I/O.

Adding a type is a `WorkloadType` member and a `LaunchableType` in `LAUNCHABLE`, both here:
the launch form (its choices, which fields it shows, what it requires), admission (pods per
workload), the WorkloadSpec builder (`workloads.lifecycle.launch_spec`), the Workloads page
(workspace link) and the demo data all read the record.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models


class WorkloadType(models.TextChoices):
    """The values are stored in the database and are the `devcenter.io/workload-type` label values."""

    MODEL_DOWNLOAD = "model-download", "Model Download"
    INFERENCE = "inference", "Inference"
    TRAINING = "training", "Training"
    PRE_TRAINING = "pre-training", "Pre-Training"
    FINE_TUNING = "fine-tuning", "Fine-Tuning"
    EVALUATION = "evaluation", "Evaluation"
    WORKSPACE = "workspace", "Workspace"
    # Found in the cluster (kubectl, API), never launched: it has no LaunchableType.
    CUSTOM = "custom", "Custom"


class Shape(models.TextChoices):
    """How a type runs; the values are `WorkloadSpec.shape` (`workloads.cluster.manifests`)."""

    BATCH = "batch", "Batch job"  # runs to completion: a Job
    SERVICE = "service", "Service"  # runs until deleted: a Deployment and a Service


class ModelField(models.TextChoices):
    """Whether the launch form asks which model the workload works on."""

    NONE = "none", "Not asked"
    OPTIONAL = "optional", "Optional"
    REQUIRED = "required", "Required"


def _jupyterlab_command(port: int, path: str) -> list[str]:
    # The token comes from $JUPYTER_TOKEN (the workspace key): JupyterLab never runs open.
    return ["jupyter", "lab", "--ip=0.0.0.0", f"--port={port}", "--no-browser", f"--ServerApp.base_url={path}"]


def _code_server_command(port: int, path: str) -> list[str]:
    # The password is $HASHED_PASSWORD (the workspace key); never `--auth none`.
    return ["code-server", "--bind-addr", f"0.0.0.0:{port}", "--auth", "password", "--abs-proxy-base-path", path]


@dataclass(frozen=True)
class Flavour:
    """A server a person picks for a type (a workspace's JupyterLab or VS Code).

    The server requires a key of its own (`key_variable`, set from the workspace's key), so it
    is never open even to a client that reaches the pod; the ingress adds the key to each
    request it forwards after devcenter's forward-auth said yes, as an `Authorization` value
    (`key_authorization`) or a cookie (`key_cookie`). A person never sees or types it.
    """

    value: str
    label: str
    port: int
    command: Callable[[int, str], list[str]]  # (port, path served under) -> command line
    key_variable: str
    key_authorization: str = ""  # "token {key}": JupyterLab's `Authorization: token <key>`
    key_cookie: str = ""  # code-server's session cookie, whose value is its hashed password

    def credentials(self, key: str) -> tuple[str, dict[str, str]]:
        """(the Authorization value, the cookies) that open this server with `key`."""
        authorization = self.key_authorization.format(key=key) if self.key_authorization else ""
        return authorization, ({self.key_cookie: key} if self.key_cookie else {})


JUPYTERLAB = Flavour(
    "jupyterlab", "JupyterLab", 8888, _jupyterlab_command,
    key_variable="JUPYTER_TOKEN", key_authorization="token {key}",
)
# code-server compares its session cookie with HASHED_PASSWORD (a value without "$argon" is
# taken as a hex SHA-256 digest and compared as it is).
VSCODE = Flavour(
    "vscode", "VS Code", 8080, _code_server_command, key_variable="HASHED_PASSWORD", key_cookie="code-server-session",
)


@dataclass(frozen=True)
class LaunchableType:
    """What devcenter needs to know to launch, show and admit a workload of one type."""

    type: WorkloadType
    shape: Shape
    model: ModelField = ModelField.NONE
    port: int | None = None  # the port a service listens on unless the launch names one
    has_workers: bool = False  # runs one pod per worker (the launch says how many), else one pod
    flavours: tuple[Flavour, ...] = ()  # the first is the default
    has_url: bool = False  # opened in the browser at {cluster base URL}/{project}/{name}/

    @property
    def label(self) -> str:
        return self.type.label

    @property
    def form_fields(self) -> tuple[str, ...]:
        """The launch form's fields for this type only (every type shows name, image, resources...).

        Derived from the facts above, so a record cannot show a field it does not use.
        """
        shown = {
            "model": self.model != ModelField.NONE,
            "port": self.port is not None,
            "workspace_flavour": bool(self.flavours),
            "workers": self.has_workers,
        }
        return tuple(name for name, show in shown.items() if show)

    def pods(self, settings: dict) -> int:
        """Pods per workload; the quota counts the per-pod requests this many times."""
        return max(int(settings.get("workers") or 1), 1) if self.has_workers else 1

    def flavour(self, value: str | None) -> Flavour | None:
        """The chosen flavour (the default when none is chosen); ValueError for one not offered."""
        if not self.flavours:
            return None
        if not value:
            return self.flavours[0]
        for flavour in self.flavours:
            if flavour.value == value:
                return flavour
        raise ValueError(f"unknown {self.label.lower()} flavour {value!r}")


LAUNCHABLE: dict[WorkloadType, LaunchableType] = {
    record.type: record
    for record in (
        LaunchableType(WorkloadType.MODEL_DOWNLOAD, Shape.BATCH, model=ModelField.REQUIRED),
        LaunchableType(WorkloadType.INFERENCE, Shape.SERVICE, model=ModelField.REQUIRED, port=8000),
        LaunchableType(WorkloadType.TRAINING, Shape.BATCH),
        LaunchableType(WorkloadType.PRE_TRAINING, Shape.BATCH, has_workers=True),
        LaunchableType(WorkloadType.FINE_TUNING, Shape.BATCH, model=ModelField.REQUIRED),
        LaunchableType(WorkloadType.EVALUATION, Shape.BATCH, model=ModelField.OPTIONAL),
        LaunchableType(WorkloadType.WORKSPACE, Shape.SERVICE, flavours=(JUPYTERLAB, VSCODE), has_url=True),
    )
}


def launchable(value: str) -> LaunchableType:
    """The record of a type devcenter launches; ValueError for Custom or an unknown type."""
    if value == WorkloadType.CUSTOM:
        raise ValueError("Custom workloads are found in the cluster, not launched")
    try:
        return LAUNCHABLE[WorkloadType(value)]
    except (ValueError, KeyError):
        raise ValueError(f"unknown workload type {value!r}") from None


def has_url(value: str) -> bool:
    """Whether workloads of this type are opened in the browser (the Open workspace action)."""
    record = LAUNCHABLE.get(value)
    return bool(record and record.has_url)


# Services run until deleted, so a person may stop them (scaled to zero) and resume them.
STOPPABLE_TYPES = frozenset(record.type for record in LAUNCHABLE.values() if record.shape == Shape.SERVICE)


def is_stoppable_type(value: str) -> bool:
    return value in STOPPABLE_TYPES
