"""What one LIST of a cluster means for the workloads devcenter knows: a plan of writes.

Pure: no queries, no I/O. The refresh loads the rows (as `WorkloadRow`s and `ComponentRow`s),
calls `reconcile` and writes the `Plan` it returns. The rules of SPEC "Statuses" that depend
on what the cluster shows live here:

- an object counts only in its project's namespace on this cluster and is matched to a
  workload of that project in that namespace (a label never moves an object across projects
  or namespaces): by its workload-id label, else by a component recorded for it earlier, else
  by sharing a workload-id label with an object matched that way (the objects of a Custom
  workload);
- a leftover is never matched and never adopted (`_leftover`): an object being deleted (a
  `deletionTimestamp`: graceful termination, finalizers), one owned by an object devcenter
  deleted or saw go (the garbage collector removes the owner first, then its ReplicaSets and
  pods), a pod whose ReplicaSet was not listed (it carries the pod's labels: it is gone), and
  one owned by an object not listed while its workload has nothing left to own it (delete
  requested, or every component Deleted: a launch refused and undone);
- a component gone from the cluster becomes Deleted when a delete was requested, keeps its
  state when it was Completed or Failed (a finished Job removed by its TTL), and becomes
  Deleted otherwise ("removed from the cluster"); one recorded after the LIST started (a
  launch) is left as it is;
- a deleting workload's component already Deleted or Delete Failed stays so while the same
  object is still listed (the delete was sent; the object takes a while to go);
- the status follows from the components by `derive_status` (a stopped workload's too: it
  stays Terminated while its controllers are scaled to zero; one whose stop or resume task is
  under way is left to that task); a workload whose status was set
  after the LIST started is left out of the plan (its row is newer than this view), and one
  with nothing live in the cluster whose components did not change keeps its status (a
  launch refused and undone stays Failed with the server's message);
- objects matched to no workload are left for adoption (`Plan.unknown`).
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import NamedTuple

from workloads.cluster import ObservedComponent
from workloads.status import ComponentState, WorkloadStatus, derive_status
from workloads.transitions import Transition, short, status_reason

_KEEP_WHEN_GONE = frozenset({ComponentState.COMPLETED, ComponentState.FAILED})
# Owners that carry the labels of the pods they make (a Deployment's ReplicaSet has its template
# labels, as its pods do): had one existed, the LIST with the same selector would have found it.
_LABELLED_LIKE_THEIR_PODS = frozenset({"ReplicaSet"})
_DELETE_SENT = frozenset({ComponentState.DELETED, ComponentState.DELETE_FAILED})


class ProjectNamespace(NamedTuple):
    """Where a project's objects live on the cluster (its quota's namespace)."""

    project_id: int
    namespace: str


@dataclass(frozen=True)
class WorkloadRow:
    id: int
    project_id: int
    status: WorkloadStatus
    status_reason: str
    delete_requested: bool
    status_changed_at: datetime
    namespace: str  # its objects are there, and nowhere else
    stopped: bool = False  # the wanted state is stopped (Stop and Resume)
    scaling: bool = False  # a stop or resume task is under way: it writes the status


@dataclass(frozen=True)
class ComponentRow:
    """A component as recorded; `id` None for one the plan creates."""

    id: int | None
    workload_id: int
    kind: str
    api_version: str
    name: str
    namespace: str
    uid: str
    state: ComponentState
    reason: str
    updated_at: datetime

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.namespace, self.name)


@dataclass
class Plan:
    component_updates: list[ComponentRow] = field(default_factory=list)
    component_creates: list[ComponentRow] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    # Objects in their project's namespace that belong to no known workload.
    unknown: list[ObservedComponent] = field(default_factory=list)

    @property
    def workload_ids(self) -> set[int]:
        """The workloads whose rows the plan writes (components or status)."""
        components = self.component_updates + self.component_creates
        return {c.workload_id for c in components} | {t.workload_id for t in self.transitions}


def as_workload_id(label_value) -> int | None:
    try:
        return int(label_value)
    except (TypeError, ValueError):
        return None


def object_key(obs: ObservedComponent) -> tuple[str, str, str]:
    return (obs.kind, obs.namespace, obs.name)


def own_objects(observed: Iterable[ObservedComponent], namespaces: Mapping[str, ProjectNamespace]):
    """The objects in their own project's namespace: any other is no project's, whatever its labels."""
    return [
        obs
        for obs in observed
        if obs.project in namespaces and obs.namespace == namespaces[obs.project].namespace
    ]


def labelled_workload_ids(observed, namespaces: Mapping[str, ProjectNamespace]) -> set[int]:
    """The workload ids named by the labels of objects in their own project's namespace."""
    return {
        i for obs in own_objects(observed, namespaces) if (i := as_workload_id(obs.workload_id)) is not None
    }


def reconcile(
    namespaces: Mapping[str, ProjectNamespace],
    observed: Iterable[ObservedComponent],
    workloads: Iterable[WorkloadRow],
    components: Iterable[ComponentRow],
    *,
    snapshot: datetime,
    now: datetime,
) -> Plan:
    """The writes that bring `workloads` and their `components` in line with `observed`.

    `namespaces`: project name (the label value) -> its id and namespace, for every project
    that was listed. `snapshot`: when the LIST started; `now`: the time the writes carry.
    """
    workloads = {w.id: w for w in workloads}
    recorded = {workload_id: [] for workload_id in workloads}
    by_key = {}
    for component in components:
        if component.workload_id in recorded:
            recorded[component.workload_id].append(component)
            by_key[component.key] = component
    gone = _gone_uids(workloads, recorded)
    settled = {w for w, rows in recorded.items() if workloads[w].delete_requested or not _live(rows)}
    matched, unknown = _match(own_objects(observed, namespaces), namespaces, workloads, by_key, gone, settled)

    plan = Plan(unknown=unknown)
    for workload in workloads.values():
        if workload.status_changed_at > snapshot:
            continue  # set after the LIST started (a delete requested meanwhile)
        after, changed = _follow(workload, recorded[workload.id], matched.get(workload.id, []), snapshot, now)
        plan.component_updates += [c for c in changed if c.id is not None]
        plan.component_creates += [c for c in changed if c.id is None]
        if workload.scaling:
            continue  # the stop/resume task decides the status from its own writes
        transition = _transition(workload, after, components_changed=bool(changed))
        if transition is not None:
            plan.transitions.append(transition)
    return plan


def _live(rows) -> bool:
    return any(row.state != ComponentState.DELETED for row in rows)


def _gone_uids(workloads, recorded) -> frozenset[str]:
    """The uids of objects devcenter deleted or saw go: components recorded Deleted (a delete,
    a launch's undo, removed by hand) and every component of a workload being deleted."""
    return frozenset(
        row.uid
        for workload_id, rows in recorded.items()
        for row in rows
        if row.uid and (row.state == ComponentState.DELETED or workloads[workload_id].delete_requested)
    )


def _leftover(obs: ObservedComponent, workload: WorkloadRow | None, known, gone, settled) -> bool:
    """Whether `obs` is what a delete leaves behind for a while, not a component.

    The garbage collector deletes an owner first (Background propagation), then what it owned:
    a Deployment's ReplicaSet, then the pods, each terminating over its grace period.
    """
    if obs.deleting:
        return True  # being deleted: graceful termination, finalizers
    if not obs.owner_uids:
        return False  # devcenter's own objects, a bare pod: never a leftover of anything
    if gone.intersection(obs.owner_uids):
        return True  # owned by an object devcenter deleted (or saw go)
    if _LABELLED_LIKE_THEIR_PODS.intersection(obs.owner_kinds):
        return True  # its ReplicaSet is gone (the pods of a deleted Deployment, any workload's)
    # Owned by an object not listed (gone, or made after the LIST of its kind) while its
    # workload has nothing left that could own it; a component recorded for it is followed.
    return workload is not None and workload.id in settled and known is None


def _match(objects, namespaces, workloads, by_key, gone=frozenset(), settled=frozenset()):
    """{workload id: its objects}, and the objects of no known workload.

    Every object passes here once: this is where it is decided whether an object updates a
    recorded component, adds a component to a known workload, is left for adoption, or is a
    leftover (`_leftover`) that counts for nothing.
    """

    def belongs(workload, obs, project_id):
        return (
            workload is not None and workload.project_id == project_id and workload.namespace == obs.namespace
        )

    matched = defaultdict(list)
    unmatched = []
    # (project, workload-id label value) -> the workload its objects were found in before.
    label_owner = {}
    for obs in objects:
        project_id = namespaces[obs.project].project_id
        known = by_key.get(object_key(obs))
        workload = workloads.get(as_workload_id(obs.workload_id))
        if not belongs(workload, obs, project_id):
            workload = workloads.get(known.workload_id) if known else None
            if belongs(workload, obs, project_id) and obs.workload_id:
                label_owner[(obs.project, obs.workload_id)] = workload.id
        if not belongs(workload, obs, project_id):
            unmatched.append((obs, known))
        elif not _leftover(obs, workload, known, gone, settled):
            matched[workload.id].append(obs)

    unknown = []
    for obs, known in unmatched:
        owner = label_owner.get((obs.project, obs.workload_id)) if obs.workload_id else None
        if _leftover(obs, workloads.get(owner), known, gone, settled):
            continue
        if owner is None:
            unknown.append(obs)
        else:
            matched[owner].append(obs)
    return matched, unknown


def _follow(workload: WorkloadRow, recorded, objects, snapshot, now):
    """The workload's components once they follow `objects`, and the rows that change."""
    current = {c.key: c for c in recorded}
    listed, changed = set(), {}
    for obs in objects:
        key = object_key(obs)
        listed.add(key)
        known = current.get(key)
        if (
            known is not None
            and workload.delete_requested
            and known.uid == obs.uid
            and known.state in _DELETE_SENT
        ):
            continue  # the delete was sent (or failed): the object may take a while to go
        row = ComponentRow(
            id=known.id if known else None,
            workload_id=workload.id,
            kind=obs.kind,
            api_version=obs.api_version,
            name=obs.name,
            namespace=obs.namespace,
            uid=obs.uid,
            state=obs.state,
            reason=short(obs.reason),
            updated_at=now,
        )
        if known is None or _observed_fields(known) != _observed_fields(row):
            current[key] = changed[key] = row

    for key, known in current.items():
        if key in listed or known.state == ComponentState.DELETED:
            continue
        if known.updated_at > snapshot:
            continue  # recorded after the LIST started (a launch): its absence proves nothing
        if workload.delete_requested:
            gone = replace(known, state=ComponentState.DELETED, reason="deleted")
        elif known.state in _KEEP_WHEN_GONE:
            continue  # a finished Job removed by its TTL keeps the workload's outcome
        else:
            gone = replace(known, state=ComponentState.DELETED, reason="removed from the cluster")
        current[key] = changed[key] = replace(gone, updated_at=now)
    return list(current.values()), list(changed.values())


def _observed_fields(component: ComponentRow) -> tuple:
    return (component.state, component.reason, component.uid, component.api_version)


def _transition(workload: WorkloadRow, components, *, components_changed: bool) -> Transition | None:
    if not workload.delete_requested and not components_changed and not _live(components):
        # Nothing in the cluster to judge by: Added, a launch that failed (its objects undone),
        # or a workload whose objects went (its status was decided when they did).
        return None
    status = derive_status(
        (c.state for c in components), deleting=workload.delete_requested, stopped=workload.stopped
    )
    if status == workload.status and not components_changed:
        return None
    if workload.stopped and status == WorkloadStatus.TERMINATED == workload.status:
        return None  # still stopped: the reason says who stopped it, not what the controllers say
    reason = status_reason(status, components)
    if status == workload.status and reason == workload.status_reason:
        return None
    return Transition(workload.id, status, reason)
