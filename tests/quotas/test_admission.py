"""Admission: a launch fits the quota on its cluster, or is refused naming the resource and by how much."""

import pytest

from projects.models import Cluster, Quota
from tests.conftest import GIB
from workloads.cluster.manifests import build_manifests
from workloads.lifecycle.launch_request import AdmissionRefused, Launch, admit
from workloads.lifecycle.launch_spec import workload_spec
from workloads.models import StatusChange, WorkloadType
from workloads.status import WorkloadStatus

pytestmark = pytest.mark.django_db


def launch(name="train-1", type=WorkloadType.TRAINING, gpu=1, cpu=1000, memory=2 * GIB, **spec):
    return Launch(name=name, type=type, gpu=gpu, cpu_millicores=cpu, memory_bytes=memory,
                  spec={"image": "python:3.12", "command": ["python", "train.py"], **spec})


def test_admitted_workload_is_added_with_history_and_queues_creation(
    project, cluster, quota, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        workload = admit(project, cluster, member, launch())
    assert workload.status == WorkloadStatus.ADDED
    assert (workload.created_by, workload.created_by_name, workload.namespace) == (member, "member", "vision")
    assert (workload.requested_gpu, workload.requested_cpu_millicores) == (1, 1000)
    assert workload.spec["command"] == ["python", "train.py"]
    change = StatusChange.objects.get(workload=workload)
    assert (change.from_status, change.to_status) == ("", WorkloadStatus.ADDED)
    assert len(callbacks) == 1  # create_workload, after commit


def test_up_to_the_quota_is_admitted_and_one_more_gpu_is_refused(project, cluster, quota, member, make_workload):
    make_workload(requested_gpu=6)
    admit(project, cluster, member, launch(gpu=2))
    with pytest.raises(AdmissionRefused) as refused:
        admit(project, cluster, member, launch(name="train-2", gpu=1))
    assert refused.value.messages == ["GPU: requested 1, 0 free of quota 8 on cluster east (1 over)"]


def test_refusal_names_each_resource_and_by_how_much(project, cluster, quota, member, make_workload):
    make_workload(requested_gpu=6, requested_cpu_millicores=30_000, requested_memory_bytes=100 * GIB)
    with pytest.raises(AdmissionRefused) as refused:
        admit(project, cluster, member, launch(gpu=4, cpu=2500, memory=30 * GIB))
    assert refused.value.messages == [
        "GPU: requested 4, 2 free of quota 8 on cluster east (2 over)",
        "CPU: requested 2.5 cores, 2 cores free of quota 32 cores on cluster east (0.5 cores over)",
        "Memory: requested 30 GiB, 28 GiB free of quota 128 GiB on cluster east (2 GiB over)",
    ]


def test_only_workloads_holding_resources_count(project, cluster, quota, member, make_workload):
    for status in (WorkloadStatus.COMPLETE, WorkloadStatus.FAILED, WorkloadStatus.DELETED, WorkloadStatus.TERMINATED):
        make_workload(status=status, requested_gpu=8)
    admit(project, cluster, member, launch(gpu=8))


def test_other_clusters_and_projects_do_not_count(project, other_project, cluster, quota, member, make_workload):
    west = Cluster.objects.create(name="west", api_url="http://127.0.0.1:2", capacity_gpu=8)
    make_workload(cluster=west, requested_gpu=8)
    make_workload(project=other_project, requested_gpu=8)
    admit(project, cluster, member, launch(gpu=8))


def test_no_quota_on_the_cluster_is_refused_clearly(project, member):
    west = Cluster.objects.create(name="west", api_url="http://127.0.0.1:2", capacity_gpu=8)
    with pytest.raises(AdmissionRefused) as refused:
        admit(project, west, member, launch(gpu=0))
    assert refused.value.messages == ["Project vision has no quota on cluster west: ask a project admin for one."]


def test_pre_training_requests_are_per_worker(project, cluster, quota, member):
    workload = admit(project, cluster, member, launch(type=WorkloadType.PRE_TRAINING, gpu=2, workers=4))
    assert workload.requested_gpu == 8
    with pytest.raises(AdmissionRefused, match="GPU: requested 2, 0 free"):
        admit(project, cluster, member, launch(name="more", gpu=2))


def test_a_name_in_use_is_refused_but_a_deleted_one_can_be_reused(project, cluster, quota, member, make_workload):
    make_workload(name="taken", requested_gpu=0)
    make_workload(name="gone", status=WorkloadStatus.DELETED)
    with pytest.raises(AdmissionRefused, match="already exists"):
        admit(project, cluster, member, launch(name="taken"))
    admit(project, cluster, member, launch(name="gone"))


def test_workspace_gets_its_url_and_namespace_from_the_quota(project, cluster, quota, member):
    cluster.workload_base_url = "https://ws.example.com"
    cluster.save()
    Quota.objects.filter(pk=quota.pk).update(namespace="team-vision")
    workload = admit(project, cluster, member, launch(name="notebook", type=WorkloadType.WORKSPACE,
                                                      workspace_flavour="vscode"))
    assert workload.workspace_url == "https://ws.example.com/vision/notebook/"
    assert workload.namespace == "team-vision"
    spec = workload_spec(workload)
    # The chosen flavour reaches the cluster as its port (VS Code's 8080, JupyterLab's 8888).
    assert (spec.type, spec.port, spec.namespace, spec.submitter) == (
        "workspace", 8080, "team-vision", "member")
    assert [m["kind"] for m in build_manifests(spec)] == ["NetworkPolicy", "Deployment", "Service"]
