"""Shared fixtures: a project with its users (admin, member, outsider), a cluster and a quota."""

import dataclasses
import itertools

import pytest

from projects.models import Cluster, Membership, Project, Quota, Role
from tests.oidc.provider import openid_provider, sso_settings  # noqa: F401 (the test OpenID Provider)
from workloads.cluster.manifests import WorkloadSpec
from workloads.lifecycle.launch_spec import workload_spec
from workloads.models import Workload, WorkloadType
from workloads.status import WorkloadStatus

GIB = 1024**3
PASSWORD = "correct-horse-battery"
_names = itertools.count(1)


def launched_spec(
    type_, workload_id="w1", *, project="vision", name="wl-1", namespace=None, submitter="", base_url="",
    **submitted,
) -> WorkloadSpec:
    """The spec a launch of `type_` creates (the product's one builder), without a database.

    `submitted` is what a launch stores in `Workload.spec`: image, command, gpu, model, port,
    workspace_flavour, workers, pod_annotations...
    """
    workload = Workload(
        project=Project(name=project),
        cluster=Cluster(workload_base_url=base_url),
        name=name,
        type=type_,
        namespace=namespace or project,
        created_by_name=submitter,
        spec=submitted,
    )
    return dataclasses.replace(workload_spec(workload), workload_id=str(workload_id))


@pytest.fixture
def make_user(django_user_model):
    def make(username=None, **extra):
        username = username or f"user{next(_names)}"
        return django_user_model.objects.create_user(username=username, password=PASSWORD, **extra)

    return make


@pytest.fixture
def project(db):
    return Project.objects.create(name="vision", display_name="Vision")


@pytest.fixture
def other_project(db):
    return Project.objects.create(name="sandbox", display_name="Sandbox")


@pytest.fixture
def cluster(db):
    return Cluster.objects.create(
        name="east",
        api_url="http://127.0.0.1:1",
        capacity_gpu=16,
        capacity_cpu_millicores=64_000,
        capacity_memory_bytes=256 * GIB,
    )


@pytest.fixture
def quota(project, cluster):
    return Quota.objects.create(
        project=project, cluster=cluster, gpu=8, cpu_millicores=32_000, memory_bytes=128 * GIB
    )


@pytest.fixture
def member(make_user, project):
    user = make_user("member")
    Membership.objects.create(user=user, project=project, role=Role.MEMBER)
    return user


@pytest.fixture
def project_admin(make_user, project):
    user = make_user("lead")
    Membership.objects.create(user=user, project=project, role=Role.ADMIN)
    return user


@pytest.fixture
def outsider(make_user, other_project):
    user = make_user("outsider")
    Membership.objects.create(user=user, project=other_project, role=Role.MEMBER)
    return user


@pytest.fixture
def make_workload(project, cluster, member):
    def make(**fields):
        defaults = {
            "project": project,
            "cluster": cluster,
            "name": f"workload-{next(_names)}",
            "type": WorkloadType.TRAINING,
            "status": WorkloadStatus.RUNNING,
            "namespace": project.name,
            "created_by": member,
            "created_by_name": member.username,
        }
        defaults.update(fields)
        return Workload.objects.create(**defaults)

    return make


def record_published(monkeypatch, task_name):
    """Record the first argument of every `task_name` sent (by `queueing.publish`) instead of
    publishing it: for tests that run no worker (a stray message on the shared test broker
    would reach the worker suite)."""
    from workloads.lifecycle import queueing

    calls = []
    monkeypatch.setattr(queueing, "publish", lambda name, args: calls.append(args[0]) if name == task_name else None)
    return calls


def wait_until_someone_waits_on_me(timeout=10.0) -> bool:
    """Inside a transaction holding locks: wait until another PostgreSQL session is blocked on
    one of them (True), or `timeout` seconds pass (False). Race tests hold a save open with
    this to prove the other save waits for it instead of reading around it."""
    import time

    from django.db import connection

    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid)))"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False
