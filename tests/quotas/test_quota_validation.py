"""Editing a quota's amounts on the quotas page: raising within capacity (inclusive), lowering
always, never negative, replacing (not adding to) the old value, and only on a cluster the
platform admin gave the project."""

import pytest

from projects.models import Quota, QuotaChange
from tests.conftest import GIB

pytestmark = pytest.mark.django_db


def url(project):
    return f"/p/{project.name}/quotas/"


def post(client, project, cluster, gpu="8", cpu="32", memory="128"):
    return client.post(
        url(project),
        {"cluster": cluster.pk, f"c{cluster.pk}-gpu": gpu, f"c{cluster.pk}-cpu": cpu, f"c{cluster.pk}-memory": memory},
    )


@pytest.fixture
def admin_client(client, project_admin):
    client.force_login(project_admin)
    return client


@pytest.fixture
def zero_quota(project, cluster):
    """The cluster given to the project by a platform admin, with nothing on it yet."""
    return Quota.objects.create(project=project, cluster=cluster, namespace="vision")


def test_quota_up_to_the_cluster_capacity_is_saved(admin_client, project, other_project, cluster, zero_quota):
    Quota.objects.create(project=other_project, cluster=cluster, gpu=10, cpu_millicores=4000, memory_bytes=GIB)
    response = post(admin_client, project, cluster, gpu="6", cpu="60", memory="255")
    assert response.status_code == 302
    quota = Quota.objects.get(project=project, cluster=cluster)
    assert (quota.gpu, quota.cpu_millicores, quota.memory_bytes) == (6, 60_000, 255 * GIB)


def test_one_over_capacity_is_refused_naming_resource_and_numbers(
    admin_client, project, other_project, cluster, zero_quota
):
    Quota.objects.create(project=other_project, cluster=cluster, gpu=10)
    response = post(admin_client, project, cluster, gpu="7")
    assert response.status_code == 200
    assert "GPU: 7 requested, 6 available on cluster east" in response.content.decode()
    assert Quota.objects.get(project=project).gpu == 0
    assert not QuotaChange.objects.exists()


def test_cpu_and_memory_over_capacity_are_named_in_human_units(admin_client, project, cluster, zero_quota):
    response = post(admin_client, project, cluster, gpu="1", cpu="64.5", memory="256.5")
    page = response.content.decode()
    assert "CPU: 64.5 cores requested, 64 cores available on cluster east" in page
    assert "Memory: 256.5 GiB requested, 256 GiB available on cluster east" in page


def test_updating_replaces_the_old_value_instead_of_adding_to_it(admin_client, project, cluster, quota):
    # 8 GPUs already given to this project; 16 on the cluster: 16 fits only as a replacement.
    response = post(admin_client, project, cluster, gpu="16", cpu="64", memory="256")
    assert response.status_code == 302
    quota.refresh_from_db()
    assert (quota.gpu, quota.cpu_millicores, quota.memory_bytes) == (16, 64_000, 256 * GIB)


def test_zero_capacity_allows_zero_and_refuses_one(admin_client, project, cluster, zero_quota):
    cluster.capacity_gpu = 0
    cluster.save()
    assert post(admin_client, project, cluster, gpu="0").status_code == 302
    response = post(admin_client, project, cluster, gpu="1")
    assert "GPU: 1 requested, 0 available on cluster east" in response.content.decode()


@pytest.mark.parametrize("field", ["gpu", "cpu", "memory"])
def test_negative_values_are_refused(admin_client, project, cluster, quota, field):
    response = post(admin_client, project, cluster, **{field: "-1"})
    assert response.status_code == 200
    assert "greater than or equal to 0" in response.content.decode()
    quota.refresh_from_db()
    assert quota.gpu == 8


@pytest.mark.parametrize(
    "values",
    [{"gpu": "abc"}, {"cpu": "NaN"}, {"memory": "1e999"}, {"gpu": "1.5"}, {"cpu": "0.0001"}, {"gpu": ""},
     {"gpu": "99999999999999"}],
)
def test_bad_input_is_a_form_error_not_a_500(admin_client, project, cluster, quota, values):
    response = post(admin_client, project, cluster, **values)
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()


def test_unknown_cluster_is_a_page_error(admin_client, project):
    response = admin_client.post(url(project), {"cluster": "nope"})
    assert response.status_code == 200
    assert "Unknown cluster." in response.content.decode()


def test_quota_below_current_usage_is_saved_with_a_warning(admin_client, project, cluster, quota, make_workload):
    make_workload(requested_gpu=4)
    response = post(admin_client, project, cluster, gpu="2")
    assert response.status_code == 302
    quota.refresh_from_db()
    assert quota.gpu == 2
    page = admin_client.get(response.url).content.decode()
    assert "GPU: the new quota (2) is below what the project uses now on cluster east (4)" in page


def test_cpu_accepts_decimals_and_memory_gib(admin_client, project, cluster, quota):
    post(admin_client, project, cluster, gpu="8", cpu="2.5", memory="0.5")
    quota.refresh_from_db()
    assert (quota.cpu_millicores, quota.memory_bytes) == (2500, GIB // 2)


def test_every_change_is_recorded_old_to_new_and_shown(admin_client, project, cluster, quota, project_admin):
    post(admin_client, project, cluster, gpu="10", cpu="32", memory="128")
    post(admin_client, project, cluster, gpu="10", cpu="32", memory="128")  # no change, no row
    change = QuotaChange.objects.get()
    assert (change.old_gpu, change.new_gpu) == (8, 10)
    assert (change.old_cpu_millicores, change.new_cpu_millicores) == (32_000, 32_000)
    assert change.changed_by == project_admin and change.changed_by_name == "lead"
    page = admin_client.get(url(project)).content.decode()
    assert "GPU 8 → 10" in page
    assert "lead" in page


def test_a_cluster_without_a_quota_is_not_offered_to_project_admins(admin_client, project, cluster):
    """Which clusters a project may use is the platform admin's choice: a crafted POST for a
    cluster the project has no quota on creates nothing."""
    response = post(admin_client, project, cluster, gpu="2", cpu="4", memory="8")
    assert response.status_code == 200
    assert "Unknown cluster." in response.content.decode()
    assert not Quota.objects.filter(project=project).exists()
    assert not QuotaChange.objects.exists()


def test_namespace_is_not_changed_by_the_quotas_page(admin_client, project, cluster, quota):
    response = admin_client.post(
        url(project),
        {"cluster": cluster.pk, f"c{cluster.pk}-gpu": "4", f"c{cluster.pk}-cpu": "32", f"c{cluster.pk}-memory": "128",
         "namespace": "kube-system", f"c{cluster.pk}-namespace": "kube-system"},
    )
    assert response.status_code == 302
    quota.refresh_from_db()
    assert (quota.gpu, quota.namespace) == (4, "vision")


def test_lowering_is_allowed_after_the_cluster_shrank(admin_client, project, other_project, cluster, quota):
    """16 GPUs given out (8 + 8), then the cluster lost nodes: 4 left. Lowering never increases
    the sum, so it is saved; raising any resource is still checked."""
    Quota.objects.create(project=other_project, cluster=cluster, gpu=8)
    cluster.capacity_gpu = 4
    cluster.capacity_cpu_millicores = 16_000
    cluster.save()
    response = post(admin_client, project, cluster, gpu="6", cpu="20", memory="128")  # CPU 32 -> 20, over 16
    assert response.status_code == 302
    quota.refresh_from_db()
    assert (quota.gpu, quota.cpu_millicores) == (6, 20_000)
    response = post(admin_client, project, cluster, gpu="7", cpu="20", memory="128")
    assert "GPU: 7 requested, 0 available on cluster east" in response.content.decode()
    quota.refresh_from_db()
    assert quota.gpu == 6


def test_raising_one_resource_while_lowering_another_checks_only_the_raise(
    admin_client, project, other_project, cluster, quota
):
    Quota.objects.create(project=other_project, cluster=cluster, gpu=8, cpu_millicores=32_000)
    response = post(admin_client, project, cluster, gpu="4", cpu="33", memory="128")
    assert "CPU: 33 cores requested, 32 cores available on cluster east" in response.content.decode()
    assert "GPU:" not in response.content.decode().split('class="row-errors"')[1]
    quota.refresh_from_db()
    assert (quota.gpu, quota.cpu_millicores) == (8, 32_000)  # nothing of a refused change is saved
