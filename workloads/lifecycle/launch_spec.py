"""A workload row -> the WorkloadSpec its Kubernetes objects are built from.

The one place where the type registry (`workloads.types`) becomes the cluster layer's facts
(shape, port, pods, command, variables), so every caller gets the same defaults: admission
builds it for the unsaved row (a preview that validates the launch), the create task for the
saved row, the demo for its seeded rows.
"""

from workloads.cluster.manifests import WorkloadSpec
from workloads.types import ModelField, launchable

PREVIEW_ID = "new"  # the workload id of a row not saved yet (admission's preview)


def browser_path(project: str, name: str) -> str:
    """Where a workload with a URL is served, under its cluster's base URL: `/<project>/<name>/`."""
    return f"/{project}/{name}/"


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
    flavour = kind.flavour(settings.get("flavour") or settings.get("workspace_flavour"))
    port = settings.get("port") or (flavour.port if flavour else kind.port)
    command = list(settings.get("command") or []) or (flavour.command(port, path) if flavour else [])
    env = {}
    if kind.model != ModelField.NONE and settings.get("model"):
        env["MODEL_NAME"] = settings["model"]
    if kind.has_workers:
        env["WORKERS"] = str(pods)
    return WorkloadSpec(
        workload_id=str(workload.pk) if workload.pk else PREVIEW_ID,
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
    )
