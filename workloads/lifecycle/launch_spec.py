"""A workload row -> the WorkloadSpec its Kubernetes objects are built from.

The one place where the type registry (`workloads.types`) becomes the cluster layer's facts
(shape, port, pods, command, variables), so every caller gets the same defaults: admission
builds it for the unsaved row (a preview that validates the launch), the create task for the
saved row, the demo for its seeded rows.
"""

from django.conf import settings as django_settings
from django.utils.crypto import salted_hmac

from workloads.cluster.manifests import BrowserAccess, WorkloadSpec
from workloads.types import Flavour, ModelField, launchable

PREVIEW_ID = "new"  # the workload id of a row not saved yet (admission's preview)
_KEY_SALT = "devcenter.workspace-key"


def workspace_key(workload_id) -> str:
    """The key a workspace's server requires (64 hex digits), derived from SECRET_KEY.

    Never stored or shown: the spec gives it to the server, the forward-auth to the ingress
    for a member's request. Rotating SECRET_KEY changes it (running workspaces need a relaunch).
    """
    return salted_hmac(_KEY_SALT, str(workload_id), algorithm="sha256").hexdigest()


def browser_access() -> BrowserAccess:
    """The ingress controller in front of workspaces, from the settings."""
    return BrowserAccess(
        controller_namespace=django_settings.WORKSPACE_INGRESS_NAMESPACE,
        controller_pod_labels=dict(django_settings.WORKSPACE_INGRESS_POD_LABELS),
        auth_url=django_settings.WORKSPACE_AUTH_URL,
        signin_url=django_settings.WORKSPACE_SIGNIN_URL,
        ingress_class=django_settings.WORKSPACE_INGRESS_CLASS,
    )


def browser_path(project: str, name: str) -> str:
    """Where a workload with a URL is served, under its cluster's base URL: `/<project>/<name>/`."""
    return f"/{project}/{name}/"


def workload_flavour(workload) -> Flavour | None:
    """The server a workload runs (a workspace's JupyterLab or VS Code), None for other types."""
    settings = workload.spec or {}
    return launchable(workload.type).flavour(settings.get("flavour") or settings.get("workspace_flavour"))


def workload_spec(workload) -> WorkloadSpec:
    """What to create for `workload`, saved or not; ValueError when it cannot be built.

    `workload.spec` holds what was submitted (image, command, model, port, workspace_flavour,
    workers) and the per-pod gpu/cpu_millicores/memory_bytes; `requested_*` are the totals.
    """
    kind = launchable(workload.type)
    settings = workload.spec or {}
    project = workload.project.name
    pods = kind.pods(settings)
    path = browser_path(project, workload.name) if kind.has_url else ""
    flavour = workload_flavour(workload)
    port = settings.get("port") or (flavour.port if flavour else kind.port)
    command = list(settings.get("command") or []) or (flavour.command(port, path) if flavour else [])
    env = {}
    if kind.model != ModelField.NONE and settings.get("model"):
        env["MODEL_NAME"] = settings["model"]
    if kind.has_workers:
        env["WORKERS"] = str(pods)
    workload_id = str(workload.pk) if workload.pk else PREVIEW_ID
    if flavour:
        env[flavour.key_variable] = workspace_key(workload_id)
    return WorkloadSpec(
        workload_id=workload_id,
        project=project,
        name=workload.name,
        type=kind.type.value,
        shape=kind.shape.value,
        namespace=workload.namespace,
        image=settings.get("image", ""),
        command=command,
        gpu=int(settings.get("gpu", workload.requested_gpu // pods)),
        cpu_millicores=int(settings.get("cpu_millicores", workload.requested_cpu_millicores // pods)),
        memory_bytes=int(settings.get("memory_bytes", workload.requested_memory_bytes // pods)),
        submitter=workload.created_by_name,
        port=int(port) if port else None,
        pods=pods,
        path=path,
        base_url=workload.cluster.workload_base_url,
        env=env,
        pod_annotations=dict(settings.get("pod_annotations") or {}),
        access=browser_access() if kind.has_url else BrowserAccess(),
    )
