"""Kubernetes object -> (ComponentState, reason): one row per rule of SPEC.md, conditions first."""

import pytest

from workloads.cluster.components import component_state, object_state
from workloads.cluster.kinds import HELPER_KINDS
from workloads.status import ComponentState as S


def pod(
    phase="Running", waiting=None, message="", init_waiting=None, conditions=(), reason=None, terminated=None
):
    status = {"phase": phase, "conditions": list(conditions)}
    if reason:
        status["reason"] = reason
    container = {"name": "main", "ready": phase == "Running", "restartCount": 0, "state": {"running": {}}}
    if waiting:
        container["state"] = {"waiting": {"reason": waiting, "message": message}}
    if terminated:
        container["state"] = {"terminated": terminated}
    status["containerStatuses"] = [container]
    if init_waiting:
        status["initContainerStatuses"] = [{"name": "init", "state": {"waiting": {"reason": init_waiting}}}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "uid": "u-pod"}, "status": status}


def condition(type_, status="True", reason="", message=""):
    return {"type": type_, "status": status, "reason": reason, "message": message}


def job(conditions=(), active=0, succeeded=0, failed=0, completions=1, parallelism=1, suspend=False):
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "j", "uid": "u-job"},
        "spec": {"completions": completions, "parallelism": parallelism, "suspend": suspend},
        "status": {
            "conditions": list(conditions),
            **({"active": active} if active else {}),
            **({"succeeded": succeeded} if succeeded else {}),
            **({"failed": failed} if failed else {}),
        },
    }


def replicated(kind="Deployment", replicas=3, ready=0, conditions=()):
    status = {"replicas": replicas, "conditions": list(conditions)}
    if ready:
        status["readyReplicas"] = ready
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": "d", "uid": "u-d"},
        "spec": {"replicas": replicas},
        "status": status,
    }


def helper(kind):
    return {"apiVersion": "v1", "kind": kind, "metadata": {"name": "h", "uid": "u-h"}}


def inference_service(*conditions):
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": "isvc", "uid": "u-isvc"},
        "spec": {"predictor": {"model": {"modelFormat": {"name": "sklearn"}}}},
        "status": {"conditions": list(conditions)} if conditions else {},
    }


BACKOFF = "Job has reached the specified backoff limit"

RULES = [
    # Pod: waiting reasons first, then phase
    ("pod pending", pod("Pending", waiting="ContainerCreating"), S.PENDING, "ContainerCreating"),
    (
        "pod unschedulable is still pending",
        pod(
            "Pending", conditions=[condition("PodScheduled", "False", "Unschedulable", "0/3 nodes available")]
        ),
        S.PENDING,
        "Unschedulable: 0/3 nodes available",
    ),
    ("pod running", pod("Running"), S.RUNNING, "Running"),
    ("pod succeeded", pod("Succeeded"), S.COMPLETED, "Succeeded"),
    (
        "pod failed with exit code",
        pod("Failed", terminated={"exitCode": 137, "reason": "OOMKilled"}),
        S.FAILED,
        "OOMKilled (exit code 137)",
    ),
    ("pod evicted", pod("Failed", reason="Evicted"), S.FAILED, "Evicted"),
    ("pod phase unknown", pod("Unknown"), S.UNKNOWN, "Unknown"),
    (
        "pod crash loop",
        pod("Running", waiting="CrashLoopBackOff", message="back-off 5m0s restarting failed container"),
        S.FAILED,
        "CrashLoopBackOff: back-off 5m0s restarting failed container",
    ),
    (
        "pod image pull backoff",
        pod("Pending", waiting="ImagePullBackOff", message="image not found"),
        S.FAILED,
        "ImagePullBackOff: image not found",
    ),
    ("pod err image pull", pod("Pending", waiting="ErrImagePull"), S.FAILED, "ErrImagePull"),
    (
        "pod config error",
        pod("Pending", waiting="CreateContainerConfigError", message='secret "hf-token" not found'),
        S.FAILED,
        'CreateContainerConfigError: secret "hf-token" not found',
    ),
    (
        "init container image pull",
        pod("Pending", init_waiting="ImagePullBackOff"),
        S.FAILED,
        "ImagePullBackOff",
    ),
    # Job: Failed/FailureTarget, Complete, suspended, then counters
    (
        "job failed condition",
        job([condition("Failed", reason="BackoffLimitExceeded", message=BACKOFF)], failed=1),
        S.FAILED,
        f"BackoffLimitExceeded: {BACKOFF}",
    ),
    (
        "job failure target (pods still terminating)",
        job([condition("FailureTarget", reason="BackoffLimitExceeded", message=BACKOFF)], active=1),
        S.FAILED,
        f"BackoffLimitExceeded: {BACKOFF}",
    ),
    (
        "job deadline exceeded",
        job([condition("Failed", reason="DeadlineExceeded", message="Job was active longer than specified")]),
        S.FAILED,
        "DeadlineExceeded: Job was active longer than specified",
    ),
    ("job complete condition", job([condition("Complete")], succeeded=1), S.COMPLETED, "Complete"),
    (
        "job false conditions are ignored",
        job([condition("Failed", "False"), condition("Complete", "False")], active=1),
        S.RUNNING,
        "1 active",
    ),
    ("job suspended", job(suspend=True), S.PENDING, "Suspended"),
    ("job suspended condition", job([condition("Suspended")]), S.PENDING, "Suspended"),
    ("job active", job(active=1), S.RUNNING, "1 active"),
    (
        "job workers active",
        job(active=4, succeeded=2, completions=6, parallelism=4),
        S.RUNNING,
        "4 active, 2 of 6 succeeded",
    ),
    ("job succeeded counter, no condition yet", job(succeeded=1), S.COMPLETED, "1 succeeded"),
    ("job nothing yet", job(), S.PENDING, "Pending"),
    ("job failed once, retrying", job(failed=1), S.PENDING, "Pending"),
    ("job partly succeeded", job(succeeded=2, completions=4, parallelism=2), S.PENDING, "Pending"),
    # Deployment / StatefulSet / ReplicaSet
    ("deployment all ready", replicated(replicas=3, ready=3), S.RUNNING, "3 of 3 ready"),
    ("deployment partly ready", replicated(replicas=3, ready=2), S.PENDING, "2 of 3 ready"),
    ("deployment none ready", replicated(replicas=2), S.PENDING, "0 of 2 ready"),
    ("deployment scaled to zero", replicated(replicas=0), S.COMPLETED, "scaled to 0"),
    (
        "deployment progress deadline",
        replicated(
            ready=1,
            conditions=[
                condition(
                    "Progressing",
                    "False",
                    "ProgressDeadlineExceeded",
                    'ReplicaSet "d-5d9" has timed out progressing.',
                )
            ],
        ),
        S.FAILED,
        'ProgressDeadlineExceeded: ReplicaSet "d-5d9" has timed out progressing.',
    ),
    (
        "deployment progressing (true) is not a failure",
        replicated(
            replicas=1, ready=1, conditions=[condition("Progressing", "True", "NewReplicaSetAvailable")]
        ),
        S.RUNNING,
        "1 of 1 ready",
    ),
    (
        "deployment replica failure",
        replicated(
            ready=3,
            conditions=[
                condition("ReplicaFailure", "True", "FailedCreate", 'pods "d-" is forbidden: exceeded quota')
            ],
        ),
        S.FAILED,
        'FailedCreate: pods "d-" is forbidden: exceeded quota',
    ),
    ("statefulset ready", replicated("StatefulSet", replicas=1, ready=1), S.RUNNING, "1 of 1 ready"),
    ("statefulset starting", replicated("StatefulSet", replicas=1), S.PENDING, "0 of 1 ready"),
    ("replicaset ready", replicated("ReplicaSet", replicas=2, ready=2), S.RUNNING, "2 of 2 ready"),
    # KServe InferenceService: its Ready condition
    ("inference service ready", inference_service(condition("Ready")), S.RUNNING, "ready"),
    ("inference service without status", inference_service(), S.PENDING, "Pending"),
    (
        "inference service not ready yet",
        inference_service(
            condition("PredictorReady", "False", "MinimumReplicasUnavailable"),
            condition("Ready", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."),
        ),
        S.PENDING,
        "MinimumReplicasUnavailable: Deployment does not have minimum availability.",
    ),
    ("inference service unknown", inference_service(condition("Ready", "Unknown")), S.PENDING, "not ready"),
    (
        "inference service whose revision failed",
        inference_service(condition("Ready", "False", "RevisionFailed", "Revision failed: image not found")),
        S.FAILED,
        "RevisionFailed: Revision failed: image not found",
    ),
    (
        "inference service whose predictor timed out",
        inference_service(condition("Ready", "False", "ProgressDeadlineExceeded")),
        S.FAILED,
        "ProgressDeadlineExceeded",
    ),
    # Helpers count as Completed while they exist
    *[
        (f"{kind} exists", helper(kind), S.COMPLETED, "exists")
        for kind in sorted(HELPER_KINDS)
    ],
]


@pytest.mark.parametrize(("obj", "state", "reason"), [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_object_state(obj, state, reason):
    assert object_state(obj) == (state, reason)


def test_deployment_without_replicas_means_one():
    deployment = replicated(replicas=1, ready=1)
    del deployment["spec"]["replicas"]
    assert object_state(deployment) == (S.RUNNING, "1 of 1 ready")


def test_workspace_is_not_ready_when_its_container_merely_started():
    # The pod is Running (container started) but the readiness probe has not passed.
    deployment = replicated(replicas=1, ready=0)
    deployment["status"]["availableReplicas"] = 0
    deployment["status"]["updatedReplicas"] = 1
    assert component_state(deployment, [pod("Running")]) == (S.PENDING, "0 of 1 ready")


def test_crash_looping_pods_make_their_deployment_failed():
    crashing = pod("Running", waiting="CrashLoopBackOff", message="back-off 10s")
    assert component_state(replicated(replicas=2, ready=1), [pod("Running"), crashing]) == (
        S.FAILED,
        "CrashLoopBackOff: back-off 10s",
    )


def test_image_pull_failure_makes_its_job_failed():
    stuck = pod("Pending", waiting="ImagePullBackOff", message="image not found")
    assert component_state(job(active=1), [stuck]) == (S.FAILED, "ImagePullBackOff: image not found")


def test_finished_owner_is_not_reopened_by_pod_reasons():
    stuck = pod("Pending", waiting="ImagePullBackOff")
    assert component_state(job([condition("Complete")], succeeded=1), [stuck]) == (S.COMPLETED, "Complete")


def test_finished_pods_do_not_feed_their_owner():
    # A Failed pod of a Job is retried by the Job controller: the Job's conditions decide.
    dead = pod("Failed", waiting="CrashLoopBackOff")
    assert component_state(job(active=1), [dead]) == (S.RUNNING, "1 active")


def test_healthy_pods_leave_the_owner_state_alone():
    assert component_state(replicated(replicas=1, ready=1), [pod("Running")]) == (S.RUNNING, "1 of 1 ready")


def test_unknown_kind_is_unknown():
    assert object_state({"kind": "CronJob"})[0] is S.UNKNOWN


def test_missing_status_is_pending():
    assert object_state({"kind": "Pod", "metadata": {}})[0] is S.PENDING
    assert object_state({"kind": "Job", "spec": {}})[0] is S.PENDING
    assert object_state({"kind": "Deployment", "spec": {"replicas": 1}}) == (S.PENDING, "0 of 1 ready")


def test_job_whose_pods_wait_to_start_is_pending():
    # status.active counts pods that exist, including those still pulling or unscheduled.
    assert component_state(job(active=2), [pod("Pending"), pod("Pending")]) == (S.PENDING, "2 pending")
    assert component_state(job(active=2), [pod("Pending"), pod("Running")]) == (S.RUNNING, "2 active")
    assert component_state(job(active=1), []) == (S.RUNNING, "1 active")


def test_crash_looping_predictor_pods_make_their_inference_service_failed():
    crashing = pod("Running", waiting="CrashLoopBackOff", message="back-off 10s")
    not_ready = inference_service(condition("Ready", "False", "MinimumReplicasUnavailable"))
    assert component_state(not_ready, [crashing]) == (S.FAILED, "CrashLoopBackOff: back-off 10s")
