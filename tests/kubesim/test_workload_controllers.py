"""Job, Deployment -> ReplicaSet -> Pods and StatefulSet controllers."""

from tests.kubesim.conftest import deployment_body, job_body


def condition_types(obj):
    return [(c.type, c.status) for c in obj.status.conditions or []]


def test_job_completes(batch, core, sim):
    batch.create_namespaced_job("default", job_body("train", {"kubesim.io/run-seconds": "10"}, completions=2,
                                                     parallelism=2))
    pods = core.list_namespaced_pod("default", label_selector="job-name=train").items
    assert len(pods) == 2
    pod = pods[0]
    assert pod.metadata.owner_references[0].kind == "Job" and pod.metadata.owner_references[0].controller
    assert pod.metadata.labels["batch.kubernetes.io/job-name"] == "train" and pod.metadata.labels["app"] == "train"
    sim.advance(3)
    job = batch.read_namespaced_job("train", "default")
    assert job.status.active == 2 and job.status.start_time
    sim.advance(10)
    job = batch.read_namespaced_job("train", "default")
    assert job.status.succeeded == 2
    assert ("Complete", "True") in condition_types(job)
    assert job.status.completion_time


def test_job_fails_after_backoff_limit(batch, core, sim):
    batch.create_namespaced_job("default", job_body("bad", {"kubesim.io/run-seconds": "1",
                                                            "kubesim.io/exit-code": "1"}, backoffLimit=1))
    sim.advance(20)
    job = batch.read_namespaced_job("bad", "default")
    assert job.status.failed == 2
    types = condition_types(job)
    assert types.index(("FailureTarget", "True")) < types.index(("Failed", "True"))
    assert [c.reason for c in job.status.conditions if c.type == "Failed"] == ["BackoffLimitExceeded"]


def test_suspended_job_creates_no_pods(batch, core, sim):
    batch.create_namespaced_job("default", job_body("later", suspend=True))
    sim.advance(2)
    assert core.list_namespaced_pod("default").items == []
    assert ("Suspended", "True") in condition_types(batch.read_namespaced_job("later", "default"))
    batch.patch_namespaced_job("later", "default", {"spec": {"suspend": False}})
    assert len(core.list_namespaced_pod("default").items) == 1


def test_deployment_becomes_available(apps, core, sim):
    apps.create_namespaced_deployment("default", deployment_body("web", replicas=3))
    replicasets = apps.list_namespaced_replica_set("default").items
    assert len(replicasets) == 1
    rs = replicasets[0]
    assert rs.metadata.owner_references[0].kind == "Deployment"
    pods = core.list_namespaced_pod("default", label_selector="app=web").items
    assert len(pods) == 3
    assert all(p.metadata.labels["pod-template-hash"] == rs.metadata.labels["pod-template-hash"] for p in pods)
    sim.advance(2)
    deployment = apps.read_namespaced_deployment("web", "default")
    assert deployment.status.ready_replicas == 3 and deployment.status.available_replicas == 3
    assert deployment.status.updated_replicas == 3 and deployment.status.observed_generation == 1
    assert ("Available", "True") in condition_types(deployment)
    assert [c.reason for c in deployment.status.conditions if c.type == "Progressing"] == ["NewReplicaSetAvailable"]


def test_deployment_scale_and_template_change(apps, core, sim):
    apps.create_namespaced_deployment("default", deployment_body("web", replicas=2))
    sim.advance(2)
    apps.patch_namespaced_deployment("web", "default", {"spec": {"replicas": 1}})
    sim.advance(1)
    assert len(core.list_namespaced_pod("default").items) == 1
    apps.patch_namespaced_deployment("web", "default", {"spec": {"template": {"metadata": {"labels": {
        "app": "web", "version": "2"}}}}})
    sim.advance(2)
    pods = core.list_namespaced_pod("default").items
    assert [p.metadata.labels.get("version") for p in pods] == ["2"]
    assert len(apps.list_namespaced_replica_set("default").items) == 2
    deployment = apps.read_namespaced_deployment("web", "default")
    assert deployment.status.observed_generation == 3 and deployment.status.updated_replicas == 1


def test_deployment_progress_deadline_exceeded(apps, sim):
    apps.create_namespaced_deployment("default", deployment_body(
        "stuck", replicas=1, annotations={"kubesim.io/image-pull-failure": "true"}, progressDeadlineSeconds=60))
    sim.advance(30)
    deployment = apps.read_namespaced_deployment("stuck", "default")
    assert ("Progressing", "True") in condition_types(deployment)
    assert ("Available", "False") in condition_types(deployment)
    sim.advance(40)
    progressing = [c for c in apps.read_namespaced_deployment("stuck", "default").status.conditions
                   if c.type == "Progressing"][0]
    assert progressing.status == "False" and progressing.reason == "ProgressDeadlineExceeded"


def test_replica_failure_when_pods_cannot_be_created(apps, core, sim):
    apps.create_namespaced_deployment("default", deployment_body(
        "blocked", annotations={"kubesim.io/pod-create-failure": "true"}))
    sim.advance(1)
    assert core.list_namespaced_pod("default").items == []
    deployment = apps.read_namespaced_deployment("blocked", "default")
    assert ("ReplicaFailure", "True") in condition_types(deployment)


def test_statefulset_creates_ordered_pods(apps, core, sim):
    body = deployment_body("db", replicas=3)
    body["spec"]["serviceName"] = "db"
    apps.create_namespaced_stateful_set("default", body)
    assert [p.metadata.name for p in core.list_namespaced_pod("default").items] == ["db-0"]
    sim.advance(5)
    assert [p.metadata.name for p in core.list_namespaced_pod("default").items] == ["db-0", "db-1", "db-2"]
    sts = apps.read_namespaced_stateful_set("db", "default")
    assert sts.status.ready_replicas == 3 and sts.status.replicas == 3
    apps.patch_namespaced_stateful_set("db", "default", {"spec": {"replicas": 1}})
    sim.advance(1)  # the removed pods terminate
    assert [p.metadata.name for p in core.list_namespaced_pod("default").items] == ["db-0"]


def test_job_active_deadline_fails_it(batch, core, sim):
    batch.create_namespaced_job("default", job_body("slow", activeDeadlineSeconds=30))
    sim.advance(20)
    assert batch.read_namespaced_job("slow", "default").status.active == 1
    sim.advance(15)
    job = batch.read_namespaced_job("slow", "default")
    assert [(c.type, c.reason) for c in job.status.conditions] == [
        ("FailureTarget", "DeadlineExceeded"), ("Failed", "DeadlineExceeded")]
    assert core.list_namespaced_pod("default").items == []


def test_job_ttl_after_finished_deletes_job_and_pods(batch, core, sim):
    batch.create_namespaced_job("default", job_body("short", {"kubesim.io/run-seconds": "2"},
                                                     ttlSecondsAfterFinished=60))
    sim.advance(5)
    assert batch.read_namespaced_job("short", "default").status.succeeded == 1
    sim.advance(60)
    assert batch.list_namespaced_job("default").items == []
    assert core.list_namespaced_pod("default").items == []


def test_rolling_update_replaces_pods_and_keeps_availability(apps, core, sim):
    apps.create_namespaced_deployment("default", deployment_body("web", replicas=4))
    sim.advance(2)
    apps.patch_namespaced_deployment("web", "default", {"spec": {"template": {"metadata": {"labels": {
        "app": "web", "version": "2"}}}}})
    # maxSurge 25% of 4 = 1 extra pod; maxUnavailable 25% = 1: never fewer than 3 available.
    assert len([p for p in core.list_namespaced_pod("default").items if not p.metadata.deletion_timestamp]) <= 5
    for _ in range(6):
        sim.advance(1)
        deployment = apps.read_namespaced_deployment("web", "default")
        assert (deployment.status.available_replicas or 0) >= 3
    sim.advance(1)
    pods = core.list_namespaced_pod("default").items
    assert len(pods) == 4 and {p.metadata.labels.get("version") for p in pods} == {"2"}
    deployment = apps.read_namespaced_deployment("web", "default")
    assert deployment.status.updated_replicas == 4 and deployment.status.ready_replicas == 4


def test_broken_rollout_keeps_old_pods_and_exceeds_deadline(apps, core, sim):
    apps.create_namespaced_deployment("default", deployment_body("web", replicas=1, progressDeadlineSeconds=60))
    sim.advance(2)
    apps.patch_namespaced_deployment("web", "default", {"spec": {"template": {"metadata": {
        "annotations": {"kubesim.io/image-pull-failure": "true"}}}}})
    sim.advance(70)
    phases = sorted(p.status.phase for p in core.list_namespaced_pod("default").items)
    assert phases == ["Pending", "Running"]  # the old pod keeps serving
    deployment = apps.read_namespaced_deployment("web", "default")
    assert ("Available", "True") in condition_types(deployment)
    progressing = [c for c in deployment.status.conditions if c.type == "Progressing"][0]
    assert progressing.reason == "ProgressDeadlineExceeded"


def test_indexed_jobs_give_each_pod_its_index(batch, core, sim):
    # Kubernetes 1.22+ (kubesim says v1.33); the contract skips it on the genuine 1.20 tier.
    batch.create_namespaced_job("default", job_body("sweep", {"kubesim.io/run-seconds": "2"}, completions=3,
                                                     parallelism=3, completionMode="Indexed"))
    pods = core.list_namespaced_pod("default").items
    index = "batch.kubernetes.io/job-completion-index"
    assert sorted(p.metadata.annotations[index] for p in pods) == ["0", "1", "2"]
    assert sorted(p.spec.hostname for p in pods) == ["sweep-0", "sweep-1", "sweep-2"]
    assert pods[0].spec.containers[0].env[0].name == "JOB_COMPLETION_INDEX"
    sim.advance(5)
    job = batch.read_namespaced_job("sweep", "default")
    assert job.status.completed_indexes == "0-2" and job.status.succeeded == 3
