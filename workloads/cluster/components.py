"""Listed objects -> the workload components they make up. Pure: no I/O.

`observe(objects)` takes the objects of one LIST per kind (plain dicts, any order), links them
through `ownerReferences` (pod -> replicaset -> deployment, pod -> job), and returns only the
top-level ones as `ObservedComponent`s; the pods they own feed their state. An object whose
owner was not listed (not labelled, or already deleted) is top-level itself, and says so
(`owner_uids`); one being deleted (a `deletionTimestamp`: graceful termination, finalizers)
says that too (`deleting`): `reconcile` decides what such leftovers mean. Each kind's state and
requests functions come from the kind registry (`kinds.py`).

Objects are untrusted input. One whose identity devcenter cannot hold (no name or uid, a name
longer than Kubernetes allows, a metadata that is no mapping) is left out and reported in
`skipped` with the reason; a strange status or spec makes a component Unknown with the reason,
never an exception: one bad object never stops a refresh of the others.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from workloads.status import ComponentState

from . import kinds, labels
from .pod_facts import pod_facts
from .resources import Resources
from .states import State, pod_failure
from .times import parse_time

# Kubernetes' own limits on identity fields (the Component columns are sized to them).
NAME_MAX = 253  # a DNS subdomain
NAMESPACE_MAX = 63  # a DNS label
UID_MAX = 36  # a UUID
_READ_ERRORS = (TypeError, ValueError, AttributeError, KeyError, ArithmeticError)


@dataclass(frozen=True)
class Skipped:
    """An object left out of a LIST because devcenter cannot read it, and why."""

    kind: str
    namespace: str
    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.kind or 'object'} {self.namespace or '-'}/{self.name or '-'}: {self.reason}"

    @classmethod
    def of(cls, obj, reason: str) -> "Skipped":
        obj = obj if isinstance(obj, dict) else {}
        metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        return cls(
            _text(obj.get("kind"), 63),
            _text(metadata.get("namespace"), 63),
            _text(metadata.get("name"), 80),
            reason,
        )


def _text(value, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


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
    created_at: datetime | None = None
    deleting: bool = False  # it has a deletionTimestamp: on its way out
    owner_uids: tuple[str, ...] = ()  # its ownerReferences (none of them listed: it is top-level)
    owner_kinds: tuple[str, ...] = ()  # their kinds, in the same order
    # What the dominant reason and the time-to-start read: its pods (itself, for a bare pod),
    # and the uids of everything it owns (pods, ReplicaSets: whose Events are the workload's).
    pods: tuple = field(default=(), hash=False, compare=False)
    member_uids: tuple[str, ...] = field(default=(), hash=False, compare=False)
    source: dict | None = field(default=None, repr=False, compare=False, hash=False)  # the (slim) object

    @cached_property
    def requests(self) -> Resources:
        """Computed when asked (only a Custom workload's adoption needs it): at 10,000
        components, computing every one's requests on each refresh was a tenth of its time."""
        return object_requests(self.source) if self.source is not None else Resources()


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
    try:
        return kind.state(obj, pods)
    except _READ_ERRORS as exc:
        return ComponentState.UNKNOWN, f"its status cannot be read ({type(exc).__name__}: {exc})"


def object_requests(obj: dict) -> Resources:
    """What a top-level object requests (its pod template times replicas, ...); unknown kinds
    and shapes that cannot be read nothing."""
    kind = kinds.by_name.get(obj.get("kind"))
    try:
        return kind.requests(obj) if kind else Resources()
    except _READ_ERRORS:
        return Resources()


def _owner_refs(obj: dict) -> list[dict]:
    refs = obj["metadata"].get("ownerReferences")
    return [ref for ref in refs if isinstance(ref, dict)] if isinstance(refs, list) else []


def _owner_uid(obj: dict) -> str | None:
    refs = _owner_refs(obj)
    controller = [ref for ref in refs if ref.get("controller")]
    for ref in controller or refs:
        if ref.get("uid") and isinstance(ref["uid"], str):
            return ref["uid"]
    return None


def identity_problem(obj) -> str:
    """Why devcenter cannot hold `obj` as a component ("" when it can)."""
    if not isinstance(obj, dict) or not isinstance(obj.get("metadata"), dict):
        return "not a Kubernetes object (no metadata)"
    metadata = obj["metadata"]
    for key, limit in (("name", NAME_MAX), ("namespace", NAMESPACE_MAX), ("uid", UID_MAX)):
        value = metadata.get(key)
        if not isinstance(value, str) or not value:
            return f"no {key}"
        if len(value) > limit:
            return f"{key} longer than {limit} characters"
    if not isinstance(obj.get("kind"), str):
        return "no kind"
    return ""


def observe(objects: list[dict], skipped: list[Skipped] | None = None) -> list[ObservedComponent]:
    """The top-level components among `objects`, owned pods feeding their owner's state.

    Objects devcenter cannot hold (see `identity_problem`) are left out and, when `skipped` is
    given, appended to it with the reason.
    """
    skipped = [] if skipped is None else skipped
    by_uid = {}
    for obj in objects:
        problem = identity_problem(obj)
        if problem:
            skipped.append(Skipped.of(obj, problem))
        else:
            by_uid[obj["metadata"]["uid"]] = obj

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
    members_of_root: dict[str, list[str]] = defaultdict(list)
    top_level = []
    for uid, obj in by_uid.items():
        if parent(obj) is None:
            top_level.append(obj)
            continue
        top = root(uid)
        members_of_root[top].append(uid)
        if obj.get("kind") == "Pod":
            pods_of_root[top].append(obj)
    return [
        _component(obj, pods_of_root.get(obj["metadata"]["uid"], ()), members_of_root.get(obj["metadata"]["uid"], ()))
        for obj in top_level
    ]


def _strings(value) -> dict[str, str]:
    """A labels/annotations map with only string keys and values."""
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def _component(obj: dict, pods, members=()) -> ObservedComponent:
    metadata = obj["metadata"]
    object_labels = _strings(metadata.get("labels"))
    annotations = _strings(metadata.get("annotations"))
    try:
        state, reason = component_state(obj, pods)
    except _READ_ERRORS as exc:  # a pod's status that cannot be read
        state, reason = ComponentState.UNKNOWN, f"its status cannot be read ({type(exc).__name__}: {exc})"
    api_version = obj.get("apiVersion")
    owners = [ref for ref in _owner_refs(obj) if isinstance(ref.get("uid"), str) and ref["uid"]]
    return ObservedComponent(
        workload_id=object_labels.get(labels.WORKLOAD_ID),
        project=object_labels.get(labels.PROJECT),
        kind=obj["kind"],
        api_version=api_version if isinstance(api_version, str) else "",
        name=metadata["name"],
        namespace=metadata["namespace"],
        uid=metadata["uid"],
        state=state,
        reason=reason if isinstance(reason, str) else str(reason),
        labels=object_labels,
        submitter=annotations.get(labels.SUBMITTER) or object_labels.get(labels.SUBMITTER) or "",
        source=obj,
        created_at=parse_time(metadata.get("creationTimestamp")),
        deleting=bool(metadata.get("deletionTimestamp")),
        owner_uids=tuple(ref["uid"] for ref in owners),
        owner_kinds=tuple(str(ref.get("kind") or "") for ref in owners),
        # A terminating pod (a rollout replacing it) explains nothing about the workload now.
        pods=tuple(_pod_facts(pod) for pod in ([obj] if obj["kind"] == "Pod" else pods)
                   if not _mapping(pod.get("metadata")).get("deletionTimestamp")),
        member_uids=tuple(members),
    )


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def _pod_facts(pod: dict):
    try:
        return pod_facts(pod)
    except _READ_ERRORS:  # a pod devcenter cannot read explains nothing
        return pod_facts({"metadata": pod.get("metadata")})
