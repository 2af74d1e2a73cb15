"""Listed objects -> the workload components they make up. Pure: no I/O.

`observe(objects)` takes the objects of one LIST per kind (plain dicts, any order), links them
through `ownerReferences` (pod -> replicaset -> deployment, pod -> job), and returns only the
top-level ones as `ObservedComponent`s; the pods they own feed their state. An object whose
owner was not listed (not labelled, or already deleted) is top-level itself. Each kind's state
and requests functions come from the kind registry (`kinds.py`).
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from workloads.status import ComponentState

from . import kinds, labels
from .resources import Resources
from .states import State, pod_failure


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


def object_state(obj: dict) -> State:
    """The state of one object on its own (owned pods not considered)."""
    return _own_state(obj, ())


def component_state(obj: dict, pods: Sequence[dict] = ()) -> State:
    """The state of a top-level object, with the pods it owns (directly or not) feeding it.

    A pod waiting in CrashLoopBackOff, ImagePullBackOff, ErrImagePull or
    CreateContainerConfigError makes its owner Failed with that reason, unless the owner has
    already finished (Completed or Failed on its own conditions).
    """
    pods = list(pods)
    state, reason = _own_state(obj, pods)
    if state in (ComponentState.COMPLETED, ComponentState.FAILED):
        return state, reason
    for pod in pods:
        phase = (pod.get("status") or {}).get("phase")
        if phase in (None, "Pending", "Running"):
            failure = pod_failure(pod)
            if failure:
                return ComponentState.FAILED, failure
    return state, reason


def _own_state(obj: dict, pods: list[dict]) -> State:
    kind = kinds.by_name.get(obj.get("kind"))
    if kind is None:
        return ComponentState.UNKNOWN, f"unknown kind {obj.get('kind')}"
    return kind.state(obj, pods)


def object_requests(obj: dict) -> Resources:
    """What a top-level object requests (its pod template times replicas, ...); unknown kinds nothing."""
    kind = kinds.by_name.get(obj.get("kind"))
    return kind.requests(obj) if kind else Resources()


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
