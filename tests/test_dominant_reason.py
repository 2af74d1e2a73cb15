"""The dominant reason, case by case: one reason, in plain words, from current facts only."""

from datetime import UTC, datetime, timedelta

import pytest

from workloads.dominant_reason import ContainerFacts, EventFacts, PodFacts, WorkloadFacts, dominant_reason
from workloads.status import WorkloadStatus as S

T0 = datetime(2026, 1, 1, tzinfo=UTC)
GIB = 2**30


def pod(name="p-1", *, scheduled=True, unschedulable="", phase="Pending", created=T0, **container):
    containers = (ContainerFacts(name=container.pop("name", "main"), **container),) if container else ()
    return PodFacts(name, phase, scheduled, unschedulable, created, containers)


def warning(reason, message, name="p-1", kind="Pod", last_seen=T0, count=1):
    return EventFacts("Warning", reason, kind, name, message, count, last_seen)


def facts(status=S.PENDING, *pods, events=(), **kwargs):
    return WorkloadFacts(status, pods=tuple(pods), events=tuple(events), **kwargs)


def text(f):
    reason = dominant_reason(f)
    return reason.text if reason else None


GPU_SHORT = "0/4 nodes are available: 4 Insufficient nvidia.com/gpu."


@pytest.mark.parametrize("status", [S.RUNNING, S.COMPLETE, S.TERMINATED, S.DELETING, S.DELETED])
def test_a_workload_that_is_not_held_back_has_no_reason(status):
    assert dominant_reason(facts(status, pod(scheduled=False, unschedulable=GPU_SHORT))) is None


def test_gpu_shortfall_names_the_free_count_and_the_gap():
    f = facts(S.PENDING, pod(scheduled=False, unschedulable=GPU_SHORT), requested_gpu=4, free_gpu=1, cluster="east")
    assert text(f) == "Waiting for 4 GPUs: 1 free on east (3 short). Lower the request or wait."
    assert dominant_reason(f).waits_for_room


def test_gpu_shortfall_with_unknown_free_count_quotes_the_scheduler():
    f = facts(S.PENDING, pod(scheduled=False, unschedulable=GPU_SHORT), requested_gpu=1, cluster="east")
    assert text(f) == f"Waiting for 1 GPU on east: {GPU_SHORT} Lower the request or wait."


def test_enough_free_gpus_in_all_but_not_on_one_node():
    f = facts(S.PENDING, pod(scheduled=False, unschedulable=GPU_SHORT), requested_gpu=16, free_gpu=24, cluster="e")
    assert text(f) == "Waiting for 16 GPUs on one node: 24 free on e, but no node has 16. Lower the request or wait."


def test_cpu_shortfall():
    msg = "0/3 nodes are available: 3 Insufficient cpu."
    assert text(facts(S.PENDING, pod(scheduled=False, unschedulable=msg), cluster="east")) == \
        f"Waiting for cpu on east: {msg} Lower the request or wait."


def test_taint_without_toleration():
    msg = "0/3 nodes are available: 3 node(s) had untolerated taint {dedicated: infra}. preemption: 0/3."
    assert text(facts(S.PENDING, pod(scheduled=False, unschedulable=msg), cluster="east")) == (
        "No node accepts it on east: 3 node(s) have taint {dedicated: infra}, which it does not tolerate. "
        "Add a toleration or use another cluster.")


def test_unbound_claim():
    msg = "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims."
    assert text(facts(S.PENDING, pod(scheduled=False, unschedulable=msg))) == \
        "Waiting for storage: pod has unbound immediate PersistentVolumeClaims. Check the claim and its storage class."


def test_node_selector():
    msg = "0/3 nodes are available: 3 node(s) didn't match node selector."
    assert dominant_reason(facts(S.PENDING, pod(scheduled=False, unschedulable=msg))).kind == "selector"


def test_any_other_scheduler_message_is_quoted():
    assert text(facts(S.PENDING, pod(scheduled=False, unschedulable="0/3 nodes are available: odd."))) == \
        "Cannot be scheduled: 0/3 nodes are available: odd."


def test_a_stale_unschedulable_condition_after_scheduling_does_not_stay():
    assert dominant_reason(facts(S.PENDING, pod(scheduled=True, unschedulable=GPU_SHORT), requested_gpu=4)) is None


def test_image_not_found():
    f = facts(S.FAILED, pod(image="registry.example.com/demo:latest", waiting_reason="ImagePullBackOff",
                            waiting_message='Back-off pulling image "x": image not found'))
    assert text(f) == "Image not found: registry.example.com/demo:latest. Check the image name."


def test_image_that_cannot_be_pulled_for_another_reason():
    f = facts(S.FAILED, pod(image="r/x:1", waiting_reason="ErrImagePull", waiting_message="401 Unauthorized"))
    assert text(f) == "Image cannot be pulled: r/x:1 (ErrImagePull). Check the image name and the registry's credentials."


def test_out_of_memory_names_the_limit_and_restarts():
    f = facts(S.FAILED, pod(phase="Running", terminated_reason="OOMKilled", exit_code=137, restarts=3,
                            memory_limit_bytes=8 * GIB, waiting_reason="CrashLoopBackOff"))
    assert text(f) == "Out of memory: container main used its 8 GiB limit (3 restarts). Raise memory."


def test_out_of_memory_without_a_known_limit():
    f = facts(S.FAILED, pod(terminated_reason="OOMKilled", restarts=1))
    assert text(f) == "Out of memory: container main used its memory limit (1 restart). Raise memory."


def test_crash_loop():
    f = facts(S.FAILED, pod(phase="Running", waiting_reason="CrashLoopBackOff", exit_code=1, restarts=4))
    assert text(f) == "Crash loop: container main exits with code 1 (4 restarts). Check its logs."


def test_container_config_error():
    f = facts(S.FAILED, pod(waiting_reason="CreateContainerConfigError", waiting_message='secret "s" not found'))
    assert text(f) == 'Container main cannot be created: secret "s" not found. Check the Secrets and ConfigMaps it uses.'


def test_failed_mount_while_containers_wait():
    f = facts(S.PENDING, pod(waiting_reason="ContainerCreating"), events=[warning(
        "FailedMount", 'MountVolume.SetUp failed for volume "creds" : secret "s" not found')])
    assert text(f) == 'Volume cannot be mounted: secret "s" not found. Create what it names or fix the volume.'


def test_an_old_failed_mount_of_a_pod_now_running_does_not_count():
    f = facts(S.PENDING, pod(phase="Running", running=True), events=[warning("FailedMount", "x : y")])
    assert dominant_reason(f) is None


def test_quota_refusal_counts_the_gpus_left():
    msg = ('pods "j-abc" is forbidden: exceeded quota: gpus, requested: requests.nvidia.com/gpu=4, '
           "used: requests.nvidia.com/gpu=16, limited: requests.nvidia.com/gpu=16")
    f = facts(S.PENDING, events=[warning("FailedCreate", "Error creating: " + msg, "j", "Job")],
              project="vision", cluster="east")
    assert text(f) == "Quota: vision has 0 of 16 GPUs free on east."
    assert dominant_reason(f).waits_for_room


def test_quota_refusal_of_something_else_is_quoted():
    msg = 'Error creating: pods "j-abc" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2'
    reason = dominant_reason(facts(S.PENDING, events=[warning("FailedCreate", msg, "j", "Job")]))
    assert reason.kind == "quota" and reason.text.startswith("Quota: exceeded quota: q")


def test_quota_refusal_older_than_a_pod_created_since_is_over():
    f = facts(S.PENDING, pod(created=T0 + timedelta(minutes=1)), events=[warning(
        "FailedCreate", "Error creating: exceeded quota: q, used: requests.nvidia.com/gpu=1", "j", "Job")])
    assert dominant_reason(f) is None


def test_job_out_of_retries():
    f = facts(S.FAILED, events=[warning("BackoffLimitExceeded", "Job has reached the specified backoff limit", "j",
                                        "Job")], status_reason="Job: BackoffLimitExceeded")
    assert text(f) == "Out of retries: Job has reached the specified backoff limit. Check the logs of its last pod."


def test_failing_readiness_probe():
    f = facts(S.PENDING, pod(phase="Running", running=True, ready=False),
              events=[warning("Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503")])
    assert dominant_reason(f).kind == "probe"


def test_a_failed_workload_without_a_better_reason_says_its_status_reason():
    assert text(facts(S.FAILED, status_reason="Job: DeadlineExceeded")) == "Failed: Job: DeadlineExceeded."


def test_a_pending_workload_starting_normally_has_no_reason():
    assert dominant_reason(facts(S.PENDING, pod(waiting_reason="ContainerCreating"))) is None


def test_the_image_beats_the_scheduler_when_both_are_seen():
    f = facts(S.FAILED, pod("a", scheduled=False, unschedulable=GPU_SHORT),
              pod("b", image="x", waiting_reason="ErrImagePull", waiting_message="not found"), requested_gpu=1)
    assert dominant_reason(f).kind == "image"


def test_normal_events_never_make_a_reason():
    f = facts(S.PENDING, events=[EventFacts("Normal", "FailedMount", "Pod", "p-1", "x")])
    assert dominant_reason(f) is None
