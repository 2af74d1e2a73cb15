"""Quota limits: never negative, the sum over projects never raised above capacity (inclusive),
and a namespace always stored."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from projects.models import Project, Quota
from projects.quotas import QuotaRefused, set_quota

pytestmark = pytest.mark.django_db


def amounts(gpu=0, cpu=0, memory=0):
    return {"gpu": gpu, "cpu": cpu, "memory": memory}


def test_quota_up_to_capacity_is_allowed(project, other_project, cluster, project_admin):
    Quota.objects.create(project=other_project, cluster=cluster, gpu=10)
    saved = set_quota(project, cluster.pk, amounts(gpu=6, cpu=64_000), user=project_admin, namespace="vision")
    assert (saved.quota.gpu, saved.quota.cpu_millicores) == (6, 64_000)


def test_one_over_capacity_is_refused_with_numbers(project, other_project, cluster, project_admin):
    Quota.objects.create(project=other_project, cluster=cluster, gpu=10)
    with pytest.raises(QuotaRefused) as refused:
        set_quota(project, cluster.pk, amounts(gpu=7), user=project_admin, namespace="vision")
    assert refused.value.errors == {"gpu": "GPU: 7 requested, 6 available on cluster east"}
    assert not Quota.objects.filter(project=project).exists()


def test_updating_a_quota_replaces_its_old_value(quota, project_admin):
    saved = set_quota(quota.project, quota.cluster_id, amounts(gpu=16), user=project_admin)
    assert saved.quota.gpu == 16


def test_negative_quota_is_rejected_by_the_database(project, cluster):
    with pytest.raises(IntegrityError), transaction.atomic():
        Quota.objects.create(project=project, cluster=cluster, gpu=-1)


def test_zero_capacity_allows_only_zero(cluster, project_admin):
    cluster.capacity_gpu = 0
    cluster.save()
    project = Project.objects.create(name="zero", display_name="Zero")
    set_quota(project, cluster.pk, amounts(gpu=0), user=project_admin, namespace="zero")
    with pytest.raises(QuotaRefused):
        set_quota(project, cluster.pk, amounts(gpu=1), user=project_admin)


def test_without_a_namespace_only_an_existing_quota_changes(project, cluster, project_admin):
    with pytest.raises(QuotaRefused) as refused:
        set_quota(project, cluster.pk, amounts(gpu=1), user=project_admin)
    assert refused.value.errors == {
        "__all__": "Vision has no quota on cluster east: only a platform admin can give a project a cluster "
                   "(Django admin, Quotas)."
    }
    assert not Quota.objects.exists()


def test_a_new_quota_stores_the_project_name_as_its_namespace(project, cluster):
    quota = Quota.objects.create(project=project, cluster=cluster)
    quota.refresh_from_db()
    assert quota.namespace == "vision" == quota.effective_namespace


def test_an_empty_namespace_is_refused_by_the_form_and_the_database(quota):
    quota.namespace = ""
    with pytest.raises(ValidationError) as error:
        quota.full_clean()
    assert "namespace" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Quota.objects.filter(pk=quota.pk).update(namespace="")
