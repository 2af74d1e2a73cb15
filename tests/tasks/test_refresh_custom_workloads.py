"""Labelled objects with no known workload become Custom workloads of their project."""

from projects.models import Project, Quota
from workloads.models import Component, Workload, WorkloadType
from workloads.status import WorkloadStatus
from workloads.sync.refresh import refresh_cluster


def labelled_job(name, project="vision", namespace="vision", submitter=None, workload_id=None):
    labels = {"devcenter.io/project": project}
    if workload_id:
        labels["devcenter.io/workload-id"] = workload_id
    annotations = {"devcenter.io/submitter": submitter} if submitter else {}
    pod_labels = dict(labels)
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": namespace, "labels": labels, "annotations": annotations},
        "spec": {
            "backoffLimit": 0,
            "template": {
                "metadata": {"labels": pod_labels, "annotations": {"kubesim.io/start-seconds": "1"}},
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [
                        {
                            "name": "main",
                            "image": "busybox",
                            # A GPU is requested with its equal limit, or the server refuses the Job (422).
                            "resources": {"requests": {"cpu": "250m", "nvidia.com/gpu": "2"},
                                          "limits": {"nvidia.com/gpu": "2"}},
                        }
                    ],
                },
            },
        },
    }


def test_a_labelled_object_without_workload_becomes_custom(sim, sim_cluster, vision):
    sim.create(labelled_job("by-hand", submitter="alice"))
    sim.create(labelled_job("anonymous"))
    sim.advance(3)
    result = refresh_cluster(sim_cluster.id)
    assert result.custom_created == 2
    custom = {w.name: w for w in Workload.objects.filter(type=WorkloadType.CUSTOM)}
    assert set(custom) == {"by-hand", "anonymous"}
    by_hand = custom["by-hand"]
    assert by_hand.project == vision and by_hand.cluster == sim_cluster
    assert by_hand.created_by_name == "alice"
    assert custom["anonymous"].created_by_name == "cluster"
    assert by_hand.external_key == "Job/vision/by-hand"
    assert (by_hand.requested_gpu, by_hand.requested_cpu_millicores) == (2, 250)
    assert by_hand.status == WorkloadStatus.RUNNING
    assert by_hand.status_changes.count() == 1

    # The next refresh recognises them: no duplicates; their status follows the cluster.
    assert refresh_cluster(sim_cluster.id).custom_created == 0
    assert Workload.objects.filter(type=WorkloadType.CUSTOM).count() == 2
    sim.delete("Job", "vision", "by-hand")
    sim.advance(5)
    refresh_cluster(sim_cluster.id)
    assert Workload.objects.get(pk=by_hand.pk).status == WorkloadStatus.DELETED


def test_a_label_never_moves_an_object_into_another_project(sim, sim_cluster, vision):
    nlp = Project.objects.create(name="nlp", display_name="NLP")
    Quota.objects.create(project=nlp, cluster=sim_cluster, namespace="nlp")
    theirs = Workload.objects.create(
        project=nlp,
        cluster=sim_cluster,
        name="theirs",
        type=WorkloadType.TRAINING,
        namespace="nlp",
        created_by_name="bob",
    )
    # In vision's namespace, claiming nlp's workload id and project: ignored (wrong namespace).
    sim.create(labelled_job("sneaky", project="nlp", namespace="vision", workload_id=str(theirs.id)))
    # In vision's namespace with vision's label but nlp's workload id: a Custom of vision.
    sim.create(labelled_job("borrowed-id", project="vision", workload_id=str(theirs.id)))
    sim.advance(3)
    refresh_cluster(sim_cluster.id)
    assert not Component.objects.filter(workload=theirs).exists()
    assert Workload.objects.get(pk=theirs.pk).status == WorkloadStatus.ADDED
    custom = Workload.objects.get(type=WorkloadType.CUSTOM)
    assert (custom.name, custom.project) == ("borrowed-id", vision)


def test_objects_of_projects_without_quota_on_the_cluster_are_not_listed(sim, sim_cluster):
    Project.objects.create(name="nlp", display_name="NLP")
    sim.create(labelled_job("elsewhere", project="nlp", namespace="nlp"))
    refresh_cluster(sim_cluster.id)
    assert not Workload.objects.exists()
    (selector,) = {r.query.get("labelSelector") for r in sim.requests if r.path == "/apis/batch/v1/jobs"}
    assert selector == "devcenter.io/project in (vision)"


def test_workloads_of_a_project_without_quota_here_are_left_alone(sim, sim_cluster, vision):
    nlp = Project.objects.create(name="nlp", display_name="NLP")
    orphan = Workload.objects.create(
        project=nlp,
        cluster=sim_cluster,
        name="old",
        type=WorkloadType.TRAINING,
        namespace="nlp",
        created_by_name="bob",
        status=WorkloadStatus.RUNNING,
    )
    Component.objects.create(
        workload=orphan,
        kind="Job",
        api_version="batch/v1",
        name="old",
        namespace="nlp",
        uid="u-1",
        state="running",
    )
    refresh_cluster(sim_cluster.id)
    orphan.refresh_from_db()
    assert orphan.status == WorkloadStatus.RUNNING
    assert Component.objects.get(workload=orphan).state == "running"
