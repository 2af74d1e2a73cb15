"""Listed objects -> the workload components they make up. Pure: no I/O.

`observe(objects)` takes the objects of one LIST per kind (plain dicts, any order), links them
through `ownerReferences` (pod -> replicaset -> deployment, pod -> job), and returns only the
top-level ones as `ObservedComponent`s; the pods they own feed their state (see `states`).
An object whose owner was not listed (not labelled, or already deleted) is top-level itself.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from workloads.status import ComponentState

from . import labels
from .quantities import count, cpu_millicores, memory_bytes
from .states import component_state

GPU = "nvidia.com/gpu"


@dataclass(frozen=True)
class Resources:
    gpu: int = 0
    cpu_millicores: int = 0
    memory_bytes: int = 0

    def __add__(self, other: "Resources") -> "Resources":
        return Resources(
            self.gpu + other.gpu,
            self.cpu_millicores + other.cpu_millicores,
            self.memory_bytes + other.memory_bytes,
        )

    def __mul__(self, factor: int) -> "Resources":
        return Resources(self.gpu * factor, self.cpu_millicores * factor, self.memory_bytes * factor)

    @classmethod
    def from_quantities(cls, quantities: dict | None) -> "Resources":
        """From a `requests`/`allocatable` map: {"nvidia.com/gpu": "1", "cpu": "500m", ...}."""
        quantities = quantities or {}
        return cls(
            gpu=_lenient(count, quantities.get(GPU, 0)),
            cpu_millicores=_lenient(cpu_millicores, quantities.get("cpu", 0)),
            memory_bytes=_lenient(memory_bytes, quantities.get("memory", 0)),
        )


def _lenient(parse, value) -> int:
    """A malformed quantity on someone else's object counts as 0 rather than failing a refresh."""
    try:
        return parse(value)
    except ValueError:
        return 0


@dataclass(frozen=True)
class ObservedComponent:
    """A top-level object carrying a workload's labels, as seen by one LIST."""

    workload_id: str | None
    project: str | None
    kind: str
    api_version: str
    name: str
    namespace: str
    uid: str
    state: ComponentState
    reason: str
    labels: dict = field(default_factory=dict, hash=False)
    submitter: str = ""
    requests: Resources = Resources()
    created_at: datetime | None = None


def _container_requests(container: dict) -> Resources:
    """A container's requests; a resource with only a limit is requested at its limit."""
    resources = container.get("resources") or {}
    merged = {**(resources.get("limits") or {}), **(resources.get("requests") or {})}
    return Resources.from_quantities(merged)


def pod_spec_requests(pod_spec: dict | None) -> Resources:
    """What one pod requests: max(sum of containers, largest init container), per resource."""
    pod_spec = pod_spec or {}
    total = Resources()
    for container in pod_spec.get("containers") or []:
        total = total + _container_requests(container)
    for container in pod_spec.get("initContainers") or []:
        init = _container_requests(container)
        total = Resources(
            max(total.gpu, init.gpu),
            max(total.cpu_millicores, init.cpu_millicores),
            max(total.memory_bytes, init.memory_bytes),
        )
    return total


def object_requests(obj: dict) -> Resources:
    """Requests of a top-level object: its pod template times replicas / parallelism."""
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    if kind == "Pod":
        return pod_spec_requests(spec)
    template = (spec.get("template") or {}).get("spec")
    if kind == "Job":
        pods = spec.get("parallelism")
        pods = 1 if pods is None else int(pods)
        if spec.get("completions") is not None:
            pods = min(pods, int(spec["completions"]))
        return pod_spec_requests(template) * pods
    if kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        replicas = spec.get("replicas")
        return pod_spec_requests(template) * (1 if replicas is None else int(replicas))
    return Resources()


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _owner_uid(obj: dict) -> str | None:
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    controller = [ref for ref in refs if ref.get("controller")]
    for ref in controller or refs:
        if ref.get("uid"):
            return ref["uid"]
    return None


def observe(objects: list[dict]) -> list[ObservedComponent]:
    """The top-level components among `objects`, owned pods feeding their owner's state."""
    by_uid = {}
    for obj in objects:
        uid = (obj.get("metadata") or {}).get("uid")
        if uid:
            by_uid[uid] = obj

    def parent(obj):
        owner = _owner_uid(obj)
        return owner if owner in by_uid and owner != obj["metadata"].get("uid") else None

    def root(uid):
        seen = {uid}
        while (up := parent(by_uid[uid])) is not None and up not in seen:
            seen.add(up)
            uid = up
        return uid

    pods_of_root: dict[str, list[dict]] = defaultdict(list)
    top_level = []
    for uid, obj in by_uid.items():
        if parent(obj) is None:
            top_level.append(obj)
        elif obj.get("kind") == "Pod":
            pods_of_root[root(uid)].append(obj)
    return [_component(obj, pods_of_root.get(obj["metadata"]["uid"], ())) for obj in top_level]


def _component(obj: dict, pods) -> ObservedComponent:
    metadata = obj.get("metadata") or {}
    object_labels = dict(metadata.get("labels") or {})
    annotations = metadata.get("annotations") or {}
    state, reason = component_state(obj, pods)
    return ObservedComponent(
        workload_id=object_labels.get(labels.WORKLOAD_ID),
        project=object_labels.get(labels.PROJECT),
        kind=obj.get("kind", ""),
        api_version=obj.get("apiVersion", ""),
        name=metadata.get("name", ""),
        namespace=metadata.get("namespace", ""),
        uid=metadata.get("uid", ""),
        state=state,
        reason=reason,
        labels=object_labels,
        submitter=annotations.get(labels.SUBMITTER) or object_labels.get(labels.SUBMITTER) or "",
        requests=object_requests(obj),
        created_at=parse_time(metadata.get("creationTimestamp")),
    )
