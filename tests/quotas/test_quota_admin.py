"""The Django admin's Quota pages: the platform admin gives a project a cluster with its
namespace; every save goes through `set_quota` (capacity checked under the lock, refusals as
form errors, a QuotaChange recorded); the project's page lists its quotas read-only."""

import pytest
from django.urls import reverse

from projects.models import Quota, QuotaChange
from tests.conftest import GIB

pytestmark = pytest.mark.django_db


def add_url():
    return reverse("admin:projects_quota_add")


def change_url(quota):
    return reverse("admin:projects_quota_change", args=[quota.pk])


def fields(gpu=0, cpu_millicores=0, memory_bytes=0, **extra):
    return {"gpu": gpu, "cpu_millicores": cpu_millicores, "memory_bytes": memory_bytes, "_save": "Save", **extra}


def test_platform_admin_gives_a_project_a_cluster_with_its_namespace(admin_client, admin_user, project, cluster):
    response = admin_client.post(
        add_url(), fields(2, 4000, 8 * GIB, project=project.pk, cluster=cluster.pk, namespace="vision-east")
    )
    assert response.status_code == 302
    quota = Quota.objects.get(project=project, cluster=cluster)
    assert (quota.namespace, quota.gpu, quota.memory_bytes) == ("vision-east", 2, 8 * GIB)
    change = QuotaChange.objects.get()
    assert (change.old_gpu, change.new_gpu, change.new_memory_bytes) == (0, 2, 8 * GIB)
    assert change.changed_by == admin_user


def test_the_namespace_is_required(admin_client, project, cluster):
    response = admin_client.post(add_url(), fields(project=project.pk, cluster=cluster.pk, namespace=""))
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Quota.objects.exists()


def test_over_capacity_is_a_form_error_with_the_numbers(admin_client, project, other_project, cluster, quota):
    other = Quota.objects.create(project=other_project, cluster=cluster, gpu=2)
    response = admin_client.post(change_url(other), fields(9, namespace="sandbox"))
    assert response.status_code == 200
    assert "GPU: 9 requested, 8 available on cluster east" in response.content.decode()
    other.refresh_from_db()
    assert other.gpu == 2
    assert not QuotaChange.objects.exists()


def test_adding_over_capacity_is_a_form_error(admin_client, project, other_project, cluster, quota):
    response = admin_client.post(
        add_url(), fields(9, project=other_project.pk, cluster=cluster.pk, namespace="sandbox")
    )
    assert response.status_code == 200
    assert "GPU: 9 requested, 8 available on cluster east" in response.content.decode()
    assert not Quota.objects.filter(project=other_project).exists()


def test_lowering_after_the_cluster_shrank_is_saved(admin_client, project, other_project, cluster, quota):
    Quota.objects.create(project=other_project, cluster=cluster, gpu=8)
    cluster.capacity_gpu = 4
    cluster.save()
    response = admin_client.post(change_url(quota), fields(6, 32_000, 128 * GIB, namespace="vision"))
    assert response.status_code == 302
    quota.refresh_from_db()
    assert quota.gpu == 6
    assert QuotaChange.objects.get().new_gpu == 6


def test_namespace_changes_and_project_and_cluster_stay(admin_client, project, other_project, cluster, quota):
    response = admin_client.post(
        change_url(quota),
        fields(8, 32_000, 128 * GIB, namespace="vision-2", project=other_project.pk, cluster=cluster.pk),
    )
    assert response.status_code == 302
    quota.refresh_from_db()
    assert (quota.namespace, quota.project_id) == ("vision-2", project.pk)
    assert not QuotaChange.objects.exists()  # no amount changed


def test_a_second_quota_for_the_same_project_and_cluster_is_a_form_error(admin_client, project, cluster, quota):
    response = admin_client.post(add_url(), fields(1, project=project.pk, cluster=cluster.pk, namespace="other"))
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    quota.refresh_from_db()
    assert (quota.gpu, quota.namespace) == (8, "vision")


def test_the_project_page_lists_quotas_read_only(admin_client, project, quota):
    page = admin_client.get(reverse("admin:projects_project_change", args=[project.pk])).content.decode()
    assert change_url(quota) in page  # the way to change it
    assert 'name="quotas-0-gpu"' not in page and 'name="quotas-0-namespace"' not in page
    assert 'name="quotas-0-DELETE"' not in page
