"""Quota limits: never negative, and the sum over projects never above capacity (inclusive)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from projects.models import Project, Quota

pytestmark = pytest.mark.django_db


def test_quota_up_to_capacity_is_allowed(project, other_project, cluster):
    Quota.objects.create(project=other_project, cluster=cluster, gpu=10)
    quota = Quota(project=project, cluster=cluster, gpu=6, cpu_millicores=64_000)
    quota.full_clean()


def test_one_over_capacity_is_refused_with_numbers(project, other_project, cluster):
    Quota.objects.create(project=other_project, cluster=cluster, gpu=10)
    quota = Quota(project=project, cluster=cluster, gpu=7)
    with pytest.raises(ValidationError) as error:
        quota.full_clean()
    assert error.value.message_dict["gpu"] == ["GPU: 7 requested, 6 available on cluster east"]


def test_updating_a_quota_replaces_its_old_value(quota):
    quota.gpu = 16
    quota.full_clean()


def test_negative_quota_is_rejected_by_the_database(project, cluster):
    with pytest.raises(IntegrityError), transaction.atomic():
        Quota.objects.create(project=project, cluster=cluster, gpu=-1)


def test_zero_capacity_allows_only_zero(cluster):
    cluster.capacity_gpu = 0
    cluster.save()
    project = Project.objects.create(name="zero", display_name="Zero")
    Quota(project=project, cluster=cluster, gpu=0).full_clean()
    with pytest.raises(ValidationError):
        Quota(project=project, cluster=cluster, gpu=1).full_clean()
