"""The launch form: fields per type, validation as form errors, admission refusals shown on the form."""

import pytest

from projects.models import Cluster
from tests.conftest import GIB
from workloads.models import Workload, WorkloadType
from workloads.status import WorkloadStatus

pytestmark = pytest.mark.django_db


def url(project):
    return f"/p/{project.name}/workloads/launch/"


def form_data(**overrides):
    data = {
        "type": "training", "name": "train-1", "cluster": "east", "image": "python:3.12",
        "command": "python train.py --epochs '3'", "gpu": "2", "cpu": "1.5", "memory": "4",
        "model": "", "port": "", "workspace_flavour": "jupyterlab", "workers": "1",
    }
    data.update(overrides)
    return data


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def test_member_launches_within_quota_and_returns_to_the_workloads_page(
    member_client, project, quota, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = member_client.post(url(project), form_data())
    assert response.status_code == 302 and response.url == f"/p/{project.name}/workloads/"
    workload = Workload.objects.get(name="train-1")
    assert workload.status == WorkloadStatus.ADDED and workload.created_by == member
    assert (workload.requested_gpu, workload.requested_cpu_millicores, workload.requested_memory_bytes) == (
        2, 1500, 4 * GIB)
    assert workload.spec["command"] == ["python", "train.py", "--epochs", "3"]
    assert len(callbacks) == 1


def test_over_quota_is_shown_on_the_form_with_the_numbers(member_client, project, quota, make_workload):
    make_workload(requested_gpu=6)
    response = member_client.post(url(project), form_data(gpu="4"))
    assert response.status_code == 200
    assert "GPU: requested 4, 2 free of quota 8 on cluster east (2 over)" in response.content.decode()
    assert not Workload.objects.filter(name="train-1").exists()


def test_only_clusters_with_a_quota_are_offered(member_client, project, quota):
    Cluster.objects.create(name="west", api_url="http://127.0.0.1:2", capacity_gpu=8)
    page = member_client.get(url(project)).content.decode()
    assert '<option value="east"' in page and '<option value="west"' not in page
    response = member_client.post(url(project), form_data(cluster="west"))
    assert "Select a valid choice" in response.content.decode()


def test_custom_type_is_not_offered(member_client, project, quota):
    page = member_client.get(url(project)).content.decode()
    assert 'value="custom"' not in page
    assert member_client.post(url(project), form_data(type="custom")).status_code == 200
    assert not Workload.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "Not_A_Label"}, "lowercase letters, digits and hyphens"),
        ({"type": "inference", "model": ""}, "Inference needs a model."),
        ({"type": "model-download", "model": ""}, "Model Download needs a model."),
        ({"gpu": "-1"}, "greater than or equal to 0"),
        ({"cpu": "0"}, "greater than or equal to 0.001"),
        ({"memory": "lots"}, "Enter a number."),
        ({"command": "python 'unclosed"}, "Cannot split the command"),
        ({"port": "70000", "type": "inference", "model": "m"}, "less than or equal to 65535"),
    ],
)
def test_bad_input_is_a_form_error(member_client, project, quota, overrides, message):
    response = member_client.post(url(project), form_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Workload.objects.exists()


def test_name_must_be_unique_among_not_deleted_workloads(member_client, project, quota, make_workload):
    make_workload(name="train-1", requested_gpu=0)
    response = member_client.post(url(project), form_data())
    assert "A workload named train-1 already exists in this project." in response.content.decode()


def test_type_specific_fields_are_stored_in_the_spec(member_client, project, quota):
    member_client.post(url(project), form_data(type="inference", name="serve", model="llama-3-8b", port="9000"))
    member_client.post(url(project), form_data(type="workspace", name="nb", workspace_flavour="vscode", gpu="0"))
    member_client.post(url(project), form_data(type="pre-training", name="pre", workers="3", gpu="1"))
    specs = {w.name: (w.type, w.spec, w.requested_gpu) for w in Workload.objects.all()}
    assert specs["serve"][0] == WorkloadType.INFERENCE
    assert specs["serve"][1]["model"] == "llama-3-8b" and specs["serve"][1]["port"] == 9000
    assert specs["nb"][1]["workspace_flavour"] == "vscode"
    assert specs["pre"][1]["workers"] == 3 and specs["pre"][2] == 3  # 1 GPU per worker


def test_project_without_quota_is_told_so(member_client, project):
    page = member_client.get(url(project)).content.decode()
    assert "This project has no quota on any cluster yet" in page


def test_outsider_gets_404(client, outsider, project, quota):
    client.force_login(outsider)
    assert client.post(url(project), form_data()).status_code == 404
