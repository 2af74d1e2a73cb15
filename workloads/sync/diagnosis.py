"""What a refresh saw of each workload -> its dominant reason and time-to-start milestones. Pure.

The refresh hands over the observed components (with their pods and owned uids), the Warning
Events listed in the projects' namespaces, and the workloads it knows; `diagnose` groups the
objects by workload (a component belongs to the workload its row names, else to the one its
labels name in its own project's namespace), matches Events by the uid of what they are about
(in the workload's namespace only: the namespace is the boundary, labels are hints) and asks
`dominant_reason` for each workload. Milestones once reached are kept (a restart later does not
move when the workload first ran).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from workloads.cluster.events import EventRecord
from workloads.dominant_reason import EventFacts, WorkloadFacts, dominant_reason
from workloads.status import WorkloadStatus
from workloads.sync.reconcile import as_workload_id, own_objects

MILESTONES = ("created", "scheduled", "running", "ready")


@dataclass(frozen=True)
class KnownWorkload:
    id: int
    project_id: int
    project: str
    namespace: str
    status: WorkloadStatus
    status_reason: str
    requested_gpu: int
    why: str
    why_kind: str
    start_timeline: dict


@dataclass(frozen=True)
class Diagnosis:
    workload_id: int
    why: str
    why_kind: str
    start_timeline: dict
    events: tuple[EventRecord, ...]


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def milestones(created: datetime | None, pods) -> dict:
    """The latest pod's time for each milestone, once every pod reached it."""
    found = {"created": _iso(created)}
    for name, attribute in (("scheduled", "scheduled_at"), ("running", "started_at"), ("ready", "ready_at")):
        times = [getattr(pod, attribute) for pod in pods]
        if times and all(times):
            found[name] = _iso(max(times))
    return {k: v for k, v in found.items() if v}


def diagnose(namespaces, observed, events, known: dict[int, KnownWorkload], component_owner: dict[str, int], *,
             cluster: str, free_gpu: int | None) -> list[Diagnosis]:
    projects = {ns.project_id for ns in namespaces.values()}
    objects_of = defaultdict(list)
    for obs in own_objects(observed, namespaces):
        workload_id = component_owner.get(obs.uid) or as_workload_id(obs.workload_id)
        workload = known.get(workload_id)
        if workload is None or workload.project_id not in projects or workload.namespace != obs.namespace:
            continue
        if namespaces[obs.project].project_id != workload.project_id:
            continue  # labels naming another project's workload
        objects_of[workload_id].append(obs)
    about = {}
    for workload_id, objects in objects_of.items():
        for obs in objects:
            for uid in (obs.uid, *obs.member_uids, *(pod.uid for pod in obs.pods)):
                if uid:
                    about[uid] = workload_id
    events_of = defaultdict(list)
    for event in events:
        workload_id = about.get(event.object_uid)
        if workload_id is not None and known[workload_id].namespace == event.namespace:
            events_of[workload_id].append(event)
    results = []
    for workload_id, workload in known.items():
        objects = objects_of.get(workload_id, [])
        pods = tuple(pod for obs in objects for pod in obs.pods)
        mine = sorted(events_of.get(workload_id, []), key=lambda e: (e.last_seen is None, e.last_seen), reverse=True)
        facts = WorkloadFacts(
            status=WorkloadStatus(workload.status), status_reason=workload.status_reason, project=workload.project,
            cluster=cluster, requested_gpu=workload.requested_gpu, free_gpu=free_gpu, pods=pods,
            events=tuple(EventFacts(e.type, e.reason, e.object_kind, e.object_name, e.message, e.count, e.last_seen)
                         for e in mine),
        )
        reason = dominant_reason(facts)
        timeline = dict(workload.start_timeline or {})
        if objects:
            created = min((obs.created_at for obs in objects if obs.created_at), default=None)
            for name, when in milestones(created, pods).items():
                timeline.setdefault(name, when)
        results.append(Diagnosis(workload_id, reason.text if reason else "", reason.kind if reason else "",
                                 timeline, tuple(mine)))
    return results
