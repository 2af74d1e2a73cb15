"""Fixtures of the Workloads page tests: signed-in clients, URL helpers, a refresh stand-in."""

import re

import pytest
from django.urls import reverse

from projects.models import Membership, Role
from tests.conftest import record_published
from workloads import task_names


@pytest.fixture
def member_client(client, member, quota):
    client.force_login(member)
    return client


@pytest.fixture
def list_url(project):
    return reverse("workloads:list", args=[project.name])


@pytest.fixture
def other_workload(other_project, cluster, outsider):
    """A workload of another project (sandbox), on the same cluster."""
    from workloads.models import Workload

    return Workload.objects.create(
        project=other_project, cluster=cluster, name="not-yours", type="training", status="running",
        namespace="sandbox", created_by=outsider, created_by_name="outsider",
    )


@pytest.fixture
def refresh_calls(monkeypatch):
    """Cluster ids whose refresh was sent: `queueing.publish`, which the view's after-commit
    send calls, records instead of publishing."""
    return record_published(monkeypatch, task_names.REFRESH_CLUSTER)


@pytest.fixture
def add_member(project):
    def add(user, role=Role.MEMBER):
        Membership.objects.create(user=user, project=project, role=role)
        return user

    return add


ROW = re.compile(r'<tr id="workload-(\d+)"[^>]*>.*?<a href="[^"]+">([^<]+)</a>', re.S)


def rows(response):
    """[(id, name)] of the table rows, in order."""
    return [(int(pk), name) for pk, name in ROW.findall(response.content.decode())]


def names(response):
    return [name for _, name in rows(response)]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """The shared fixtures create users with passwords; a fast hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
