"""seed_demo creates the demo data of SPEC's public contract, and is idempotent."""

import pytest
from django.contrib.auth import authenticate as django_authenticate
from django.core.management import call_command
from django.db.models import Sum
from django.test import RequestFactory

from projects.models import Cluster, Membership, Project, Quota, Role
from workloads.models import Workload, WorkloadType
from workloads.status import WorkloadStatus

pytestmark = pytest.mark.django_db


def counts():
    return (
        Project.objects.count(), Membership.objects.count(), Cluster.objects.count(),
        Quota.objects.count(), Workload.objects.count(),
    )


def authenticate(**credentials):
    """As the login page does: django-axes (sign-in throttling) needs the request."""
    return django_authenticate(RequestFactory().post("/accounts/login/"), **credentials)


def test_seed_demo_contract_and_idempotence():
    call_command("seed_demo", verbosity=0)
    first = counts()
    call_command("seed_demo", verbosity=0)
    assert counts() == first

    for username in ("admin", "lead", "dev", "outsider"):
        assert authenticate(username=username, password="devcenter-demo") is not None, username
    assert authenticate(username="admin", password="devcenter-demo").is_superuser
    assert Membership.objects.get(user__username="lead", project__name="vision").role == Role.ADMIN
    assert set(Membership.objects.filter(user__username="dev").values_list("project__name", flat=True)) == {
        "vision", "nlp"
    }
    assert list(Membership.objects.filter(user__username="outsider").values_list("project__name", flat=True)) == [
        "sandbox"
    ]
    assert Cluster.objects.count() == 2
    assert Quota.objects.exists()

    vision = Workload.objects.filter(project__name="vision")
    assert set(vision.values_list("type", flat=True)) == set(WorkloadType.values)
    assert set(vision.values_list("status", flat=True)) == set(WorkloadStatus.values)
    running_workspace = vision.get(type=WorkloadType.WORKSPACE, status=WorkloadStatus.RUNNING)
    assert running_workspace.workspace_url.startswith("http")


def test_quotas_fit_cluster_capacity():
    call_command("seed_demo", verbosity=0)
    for cluster in Cluster.objects.annotate(gpu=Sum("quotas__gpu"), cpu=Sum("quotas__cpu_millicores"),
                                            memory=Sum("quotas__memory_bytes")):
        assert cluster.gpu <= cluster.capacity_gpu
        assert cluster.cpu <= cluster.capacity_cpu_millicores
        assert cluster.memory <= cluster.capacity_memory_bytes
    assert all(quota.namespace == quota.project.name for quota in Quota.objects.select_related("project"))
