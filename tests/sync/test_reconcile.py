"""reconcile: observed objects and known rows in, a plan of writes out; no database (any query
would fail here: no test is marked django_db)."""

from datetime import UTC, datetime, timedelta

import pytest

from workloads.cluster import ObservedComponent
from workloads.status import ComponentState as C
from workloads.status import WorkloadStatus as S
from workloads.status import derive_status
from workloads.sync.reconcile import ComponentRow, ProjectNamespace, WorkloadRow, reconcile
from workloads.transitions import Transition

LISTED_AT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
BEFORE = LISTED_AT - timedelta(minutes=5)
NOW = LISTED_AT + timedelta(seconds=2)
VISION, NLP = 1, 2
NAMESPACES = {"vision": ProjectNamespace(VISION, "vision"), "nlp": ProjectNamespace(NLP, "nlp")}


def listed(
    name, *, workload_id=None, kind="Job", project="vision", namespace="vision", state=C.RUNNING, **more
):
    values = {
        "workload_id": None if workload_id is None else str(workload_id),
        "project": project,
        "kind": kind,
        "api_version": "v1" if kind in ("Service", "Pod") else "batch/v1",
        "name": name,
        "namespace": namespace,
        "uid": f"uid-{name}",
        "state": state,
        "reason": "",
    }
    return ObservedComponent(**{**values, **more})


def workload(
    id_,
    *,
    project_id=VISION,
    status=S.RUNNING,
    deleting=False,
    changed_at=BEFORE,
    reason="",
    namespace="vision",
):
    return WorkloadRow(id_, project_id, status, reason, deleting, changed_at, namespace)


def recorded(workload_id, name, *, id_=None, kind="Job", state=C.RUNNING, updated_at=BEFORE, **more):
    values = {
        "id": id_ or 100 + workload_id,
        "workload_id": workload_id,
        "kind": kind,
        "api_version": "v1" if kind in ("Service", "Pod") else "batch/v1",
        "name": name,
        "namespace": "vision",
        "uid": f"uid-{name}",
        "state": state,
        "reason": "",
        "updated_at": updated_at,
    }
    return ComponentRow(**{**values, **more})


def plan_for(observed, workloads, components=()):
    return reconcile(NAMESPACES, observed, workloads, components, snapshot=LISTED_AT, now=NOW)


def statuses(plan):
    return {t.workload_id: t.status for t in plan.transitions}


# Matching


def test_a_new_object_is_matched_to_its_workload_by_label():
    plan = plan_for([listed("train-7", workload_id=7, state=C.PENDING)], [workload(7, status=S.ADDED)])
    (created,) = plan.component_creates
    assert (created.id, created.workload_id, created.key) == (None, 7, ("Job", "vision", "train-7"))
    assert (created.state, created.uid, created.updated_at) == (C.PENDING, "uid-train-7", NOW)
    assert statuses(plan) == {7: S.PENDING}
    assert not plan.unknown


def test_a_label_naming_another_projects_workload_matches_nothing():
    # In vision's namespace with vision's label, but the id is nlp's workload: not nlp's.
    plan = plan_for([listed("borrowed", workload_id=8)], [workload(8, project_id=NLP, status=S.ADDED)])
    assert not plan.component_creates and not plan.transitions
    assert [o.name for o in plan.unknown] == ["borrowed"]


def test_an_object_without_id_label_is_matched_by_the_component_recorded_for_it():
    plan = plan_for(
        [listed("by-hand", state=C.COMPLETED)],
        [workload(9)],
        [recorded(9, "by-hand", id_=90)],
    )
    (update,) = plan.component_updates
    assert (update.id, update.state, update.updated_at) == (90, C.COMPLETED, NOW)
    assert statuses(plan) == {9: S.COMPLETE}
    assert not plan.unknown


def test_objects_sharing_a_label_with_an_adopted_object_join_its_workload():
    # A Custom workload (id 9) holds the object labelled "batch"; a new object with that label joins it.
    plan = plan_for(
        [listed("first", workload_id="batch"), listed("second", workload_id="batch", kind="Service")],
        [workload(9)],
        [recorded(9, "first")],
    )
    assert [(c.workload_id, c.name) for c in plan.component_creates] == [(9, "second")]
    assert not plan.unknown


def test_objects_of_no_known_workload_are_left_for_adoption():
    plan = plan_for([listed("stray"), listed("labelled", workload_id=404)], [workload(1)], [recorded(1, "a")])
    assert [o.name for o in plan.unknown] == ["stray", "labelled"]
    assert {c.workload_id for c in plan.component_creates} == set()


# The namespace boundary


@pytest.mark.parametrize(
    "intruder",
    [
        listed("sneaky", project="nlp", namespace="vision", workload_id=2),  # nlp's label, vision's namespace
        listed("sneaky", project="vision", namespace="nlp", workload_id=2),  # vision's label, nlp's namespace
        listed("sneaky", project="elsewhere", namespace="elsewhere", workload_id=2),  # a project not listed
    ],
    ids=["other-label", "other-namespace", "unlisted-project"],
)
def test_an_object_outside_its_projects_namespace_is_nobodys(intruder):
    plan = plan_for([intruder], [workload(2, project_id=NLP, status=S.ADDED)])
    assert not plan.component_creates and not plan.transitions and not plan.unknown


def test_an_object_outside_its_namespace_does_not_keep_a_component_alive():
    # The recorded component's object now shows up only in the wrong namespace: it is gone.
    plan = plan_for(
        [listed("train", project="vision", namespace="nlp")], [workload(3)], [recorded(3, "train", id_=30)]
    )
    (update,) = plan.component_updates
    assert (update.id, update.state, update.reason) == (30, C.DELETED, "removed from the cluster")


# Components gone from the cluster


@pytest.mark.parametrize(
    ("deleting", "state", "expected", "reason", "status"),
    [
        (True, C.RUNNING, C.DELETED, "deleted", S.DELETED),
        (True, C.COMPLETED, C.DELETED, "deleted", S.DELETED),
        (False, C.COMPLETED, None, None, None),  # a finished Job removed by its TTL
        (False, C.FAILED, None, None, None),
        (False, C.RUNNING, C.DELETED, "removed from the cluster", S.DELETED),
        (False, C.PENDING, C.DELETED, "removed from the cluster", S.DELETED),
    ],
    ids=[
        "delete-requested",
        "delete-requested-completed",
        "completed-keeps",
        "failed-keeps",
        "running-removed-by-hand",
        "pending-removed-by-hand",
    ],
)
def test_a_component_gone_from_the_cluster(deleting, state, expected, reason, status):
    current = {C.COMPLETED: S.COMPLETE, C.FAILED: S.FAILED}.get(state, S.DELETING if deleting else S.RUNNING)
    plan = plan_for(
        [], [workload(4, status=current, deleting=deleting)], [recorded(4, "job", id_=40, state=state)]
    )
    if expected is None:
        assert not plan.component_updates and not plan.transitions
        return
    (update,) = plan.component_updates
    assert (update.id, update.state, update.reason, update.updated_at) == (40, expected, reason, NOW)
    assert statuses(plan) == {4: status}


def test_a_gone_component_already_deleted_is_not_written_again():
    plan = plan_for([], [workload(4, status=S.DELETED)], [recorded(4, "job", state=C.DELETED)])
    assert not plan.component_updates and not plan.transitions


def test_nothing_left_after_a_delete_request_is_deleted():
    plan = plan_for([], [workload(4, status=S.DELETING, deleting=True)])
    assert plan.transitions == [Transition(4, S.DELETED, "deleted")]


def test_a_component_recorded_after_the_list_started_is_left_as_it_is():
    # A launch recorded it while the LIST was running: its absence from the LIST proves nothing.
    plan = plan_for(
        [],
        [workload(5, status=S.PENDING)],
        [recorded(5, "job", state=C.PENDING, updated_at=LISTED_AT + timedelta(seconds=1))],
    )
    assert not plan.component_updates and not plan.transitions


# A workload being deleted


@pytest.mark.parametrize("state", [C.DELETED, C.DELETE_FAILED])
def test_a_deleting_workloads_deleted_components_are_not_reverted_while_the_object_goes(state):
    status = derive_status([state], deleting=True)
    plan = plan_for(
        [listed("job", workload_id=6, state=C.RUNNING)],
        [workload(6, status=status, deleting=True)],
        [recorded(6, "job", state=state)],
    )
    assert not plan.component_updates and not plan.transitions


def test_a_deleting_workloads_object_created_again_under_the_same_name_is_followed():
    plan = plan_for(
        [listed("job", workload_id=6, state=C.RUNNING, uid="uid-new")],
        [workload(6, status=S.DELETED, deleting=True)],
        [recorded(6, "job", id_=60, state=C.DELETED)],
    )
    (update,) = plan.component_updates
    assert (update.id, update.state, update.uid) == (60, C.RUNNING, "uid-new")
    assert statuses(plan) == {6: S.DELETING}


# Statuses


@pytest.mark.parametrize(
    "states",
    [
        [C.PENDING],
        [C.RUNNING, C.COMPLETED],
        [C.COMPLETED, C.COMPLETED],
        [C.FAILED, C.RUNNING],
        [C.PENDING, C.COMPLETED],
        [C.UNKNOWN],
    ],
    ids=lambda states: "+".join(states),
)
def test_the_status_follows_the_components_by_the_spec_rules(states):
    kinds = ["Job", "Service"]
    observed = [listed(f"part-{i}", workload_id=7, kind=kinds[i], state=s) for i, s in enumerate(states)]
    plan = plan_for(observed, [workload(7, status=S.ADDED)])
    assert statuses(plan) == {7: derive_status(states)}


def test_the_status_counts_components_that_are_not_listed_any_more():
    # The Job finished and was removed by its TTL; its Service still runs: Complete + Completed.
    plan = plan_for(
        [listed("svc", workload_id=7, kind="Service", state=C.COMPLETED)],
        [workload(7, status=S.RUNNING)],
        [recorded(7, "job", id_=70, state=C.COMPLETED), recorded(7, "svc", id_=71, kind="Service")],
    )
    assert statuses(plan) == {7: S.COMPLETE}


def test_a_reason_that_changes_under_the_same_status_is_written():
    plan = plan_for(
        [listed("infer", workload_id=7, kind="Deployment", state=C.PENDING, reason="1 of 2 ready")],
        [workload(7, status=S.PENDING, reason="0 of 2 ready")],
        [recorded(7, "infer", kind="Deployment", state=C.PENDING, reason="0 of 2 ready")],
    )
    assert plan.transitions == [Transition(7, S.PENDING, "1 of 2 ready")]


def test_nothing_is_written_when_nothing_changed():
    plan = plan_for([listed("job", workload_id=7)], [workload(7, status=S.RUNNING)], [recorded(7, "job")])
    assert not plan.component_updates and not plan.component_creates and not plan.transitions


def test_a_workload_without_components_and_no_delete_keeps_its_status():
    # Added (the create is queued), or a launch that failed: nothing in the cluster to judge by.
    plan = plan_for([], [workload(7, status=S.ADDED), workload(8, status=S.FAILED)])
    assert not plan.transitions


def test_a_workload_whose_status_changed_after_the_list_started_is_left_out():
    # A delete was requested while the LIST ran: the row is newer than what was listed.
    plan = plan_for(
        [listed("job", workload_id=7, state=C.COMPLETED)],
        [workload(7, status=S.DELETING, deleting=True, changed_at=LISTED_AT + timedelta(seconds=1))],
        [recorded(7, "job")],
    )
    assert not plan.component_updates and not plan.transitions and not plan.unknown
    assert plan.workload_ids == set()


# Leftovers of a delete: the garbage collector removes an owner first (Background propagation),
# then its ReplicaSets and pods, each terminating over its grace period. None of them is ever a
# new component, adopted, or a reason for a Deleted workload to come back.


def leftover_replicaset(workload_id, owner_uid, **more):
    return listed("infer-5d9", workload_id=workload_id, kind="ReplicaSet", owner_uids=(owner_uid,), **more)


def orphan_pod(workload_id, owner_uid="uid-replicaset-gone", **more):
    return listed("infer-5d9-a", workload_id=workload_id, kind="Pod", owner_uids=(owner_uid,), **more)


def test_a_terminating_pod_never_turns_a_deleted_workload_back():
    # A pod terminating over its grace period (a deletionTimestamp) after the delete.
    plan = plan_for(
        [listed("infer-5d9-a", workload_id=7, kind="Pod", deleting=True)],
        [workload(7, status=S.DELETED, deleting=True)],
        [recorded(7, "infer", kind="Deployment", state=C.DELETED)],
    )
    assert not plan.component_creates and not plan.component_updates and not plan.transitions
    assert not plan.unknown


def test_a_terminating_pod_is_never_a_new_component_of_a_running_workload():
    # A bare pod being deleted next to the workload's live Deployment: not a component.
    plan = plan_for(
        [
            listed("infer", workload_id=7, kind="Deployment"),
            listed("extra", workload_id=7, kind="Pod", deleting=True),
        ],
        [workload(7)],
        [recorded(7, "infer", kind="Deployment")],
    )
    assert not plan.component_creates and not plan.component_updates and not plan.transitions


def test_an_object_being_deleted_is_never_adopted():
    plan = plan_for([listed("stray", deleting=True), listed("labelled", workload_id=404, deleting=True)], [])
    assert plan.unknown == []


def test_what_a_deleted_component_owned_is_a_leftover_not_a_component():
    # The Deployment is gone; the GC has not reached its ReplicaSet yet (no deletionTimestamp).
    plan = plan_for(
        [leftover_replicaset(7, "uid-infer", state=C.RUNNING)],
        [workload(7, status=S.DELETED, deleting=True)],
        [recorded(7, "infer", kind="Deployment", state=C.DELETED)],
    )
    assert not plan.component_creates and not plan.transitions and not plan.unknown


def test_a_deleting_workloads_leftovers_do_not_hold_it_deleting():
    # The delete task recorded the Deployment Deleted; its ReplicaSet and pods still go.
    plan = plan_for(
        [leftover_replicaset(7, "uid-infer"), orphan_pod(7, deleting=True)],
        [workload(7, status=S.DELETING, deleting=True)],
        [
            recorded(7, "infer", kind="Deployment", state=C.DELETED),
            recorded(7, "svc", id_=71, kind="Service", state=C.DELETED),
        ],
    )
    assert statuses(plan) == {7: S.DELETED}
    assert not plan.component_creates


def test_an_orphan_of_a_workload_with_nothing_left_is_a_leftover():
    # The ReplicaSet is gone too (its uid was never recorded); its pod is not marked yet.
    plan = plan_for(
        [orphan_pod(7)],
        [workload(7, status=S.DELETED, deleting=True)],
        [recorded(7, "infer", kind="Deployment", state=C.DELETED)],
    )
    assert not plan.component_creates and not plan.transitions and not plan.unknown


def test_the_leftovers_of_a_deleted_custom_workload_are_not_adopted():
    # A Custom workload's label is not its id: its leftovers would be adopted as a new one.
    plan = plan_for(
        [leftover_replicaset("team-batch", "uid-batch")],
        [workload(9, status=S.DELETED, deleting=True)],
        [recorded(9, "batch", kind="Deployment", state=C.DELETED)],
    )
    assert plan.unknown == [] and not plan.component_creates


def test_a_launch_refused_halfway_stays_failed_while_its_leftovers_go():
    # The Service was refused (403); the undo deleted the Deployment (recorded Deleted). The GC
    # then removes its ReplicaSet (not marked yet) and pods (one terminating, one orphaned).
    failed = workload(8, status=S.FAILED, reason='services "infer" is forbidden: exceeded quota')
    plan = plan_for(
        [
            leftover_replicaset(8, "uid-infer", state=C.RUNNING),
            orphan_pod(8, state=C.RUNNING),
            listed("infer-5d9-b", workload_id=8, kind="Pod", owner_uids=("uid-infer-5d9",), deleting=True),
        ],
        [failed],
        [recorded(8, "infer", kind="Deployment", state=C.DELETED, reason="undone: the launch was refused")],
    )
    assert not plan.component_creates and not plan.component_updates and not plan.transitions
    assert not plan.unknown
    # ... and once they are gone, it is still Failed.
    assert not plan_for([], [failed], [recorded(8, "infer", kind="Deployment", state=C.DELETED)]).transitions


def test_an_orphan_still_joins_a_workload_with_live_components():
    # A Custom workload made of the pods of an unlabelled Job: its next pod joins it.
    plan = plan_for(
        [
            orphan_pod("batch", owner_uid="uid-unlabelled-job"),
            listed("first", workload_id="batch", kind="Pod", owner_uids=("uid-unlabelled-job",)),
        ],
        [workload(9)],
        [recorded(9, "first", kind="Pod")],
    )
    assert [(c.workload_id, c.name) for c in plan.component_creates] == [(9, "infer-5d9-a")]


def test_a_recorded_component_being_deleted_counts_as_gone():
    # Deleted by someone else (kubectl, Foreground): it is on its way out.
    plan = plan_for(
        [listed("job", workload_id=7, deleting=True)], [workload(7)], [recorded(7, "job", id_=70)]
    )
    (update,) = plan.component_updates
    assert (update.id, update.state, update.reason) == (70, C.DELETED, "removed from the cluster")
    assert statuses(plan) == {7: S.DELETED}


def test_a_finished_job_deleted_by_its_ttl_keeps_the_workload_complete():
    # The TTL controller deletes with Foreground propagation: the Job is listed, being deleted.
    plan = plan_for(
        [listed("job", workload_id=7, deleting=True, state=C.COMPLETED)],
        [workload(7, status=S.COMPLETE)],
        [recorded(7, "job", state=C.COMPLETED)],
    )
    assert not plan.component_updates and not plan.transitions


def test_an_object_outside_its_workloads_namespace_is_not_its():
    # The project's namespace on the cluster moved; the workload's objects are in the old one.
    plan = plan_for([listed("train", workload_id=3)], [workload(3, status=S.ADDED, namespace="vision-old")])
    assert not plan.component_creates and not plan.transitions
    assert [o.name for o in plan.unknown] == ["train"]


def test_a_pod_whose_replicaset_was_not_listed_is_a_leftover():
    # A ReplicaSet carries its pods' labels: had it existed, the LIST would have found it. Its
    # Deployment was a Custom workload's (the label is no id) or nobody's: never adopted.
    pod = listed(
        "by-hand-5d9-a",
        workload_id="team-batch",
        kind="Pod",
        owner_uids=("uid-rs",),
        owner_kinds=("ReplicaSet",),
    )
    assert plan_for([pod], []).unknown == []


def test_a_pod_of_an_unlabelled_job_is_still_adopted():
    # `kubectl create job` without labels, its pod template labelled: the pods are the workload.
    pod = listed(
        "batch-x", workload_id="team-batch", kind="Pod", owner_uids=("uid-job",), owner_kinds=("Job",)
    )
    assert [o.name for o in plan_for([pod], []).unknown] == ["batch-x"]


# Stop and Resume


def stopped_workload(id_, *, status=S.RUNNING, scaling=False, reason=""):
    return WorkloadRow(id_, VISION, status, reason, False, BEFORE, "vision", stopped=True, scaling=scaling)


def scaled_down(workload_id):
    return [
        listed(f"infer-{workload_id}", workload_id=workload_id, kind="Deployment", state=C.COMPLETED,
               reason="scaled to 0"),
        listed(f"infer-{workload_id}-svc", workload_id=workload_id, kind="Service", state=C.COMPLETED),
    ]


def test_a_stopped_workload_scaled_to_zero_is_terminated_not_complete():
    plan = plan_for(scaled_down(7), [stopped_workload(7)])
    assert statuses(plan) == {7: S.TERMINATED}
    # Without the stop the same objects are Complete (rule 7): the wanted state makes the difference.
    plain = plan_for(scaled_down(7), [workload(7)])
    assert statuses(plain) == {7: S.COMPLETE}


def test_a_refresh_keeps_a_stopped_workload_terminated_with_who_stopped_it():
    recorded_rows = [
        recorded(7, "infer-7", kind="Deployment", state=C.COMPLETED, reason="old"),
        recorded(7, "infer-7-svc", id_=200, kind="Service", state=C.COMPLETED),
    ]
    plan = plan_for(scaled_down(7), [stopped_workload(7, status=S.TERMINATED, reason="stopped by dev")],
                    recorded_rows)
    assert plan.transitions == []  # the Deployment's new reason is recorded, the status line kept
    assert [c.reason for c in plan.component_updates] == ["scaled to 0"]


def test_a_stop_or_resume_under_way_is_left_to_its_task():
    observed = [listed("infer-7", workload_id=7, kind="Deployment", state=C.RUNNING, reason="1 of 1 ready")]
    plan = plan_for(observed, [stopped_workload(7, scaling=True, reason="stopping, requested by dev")])
    assert plan.transitions == []
    assert [c.name for c in plan.component_creates] == ["infer-7"]  # components are still followed


def test_a_stopped_workload_whose_pods_came_back_shows_them():
    # Scaled up again outside devcenter: it holds pods, so it is not shown as stopped.
    observed = [listed("infer-7", workload_id=7, kind="Deployment", state=C.RUNNING, reason="1 of 1 ready")]
    assert statuses(plan_for(observed, [stopped_workload(7, status=S.TERMINATED)])) == {7: S.RUNNING}
