"""What can I launch now: free quota per cluster on the form, the default cluster, and the check
as the person types (a dry run of the same admission, never more generous than the real one)."""

import itertools
import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Cluster, Quota
from tests.conftest import GIB
from workloads.lifecycle.launch_request import AdmissionRefused, Launch, admit, dry_run
from workloads.models import Workload, WorkloadType

pytestmark = pytest.mark.django_db


@pytest.fixture
def launch_url(project):
    return reverse("workloads:launch", args=[project.name])


@pytest.fixture
def check_url(project):
    return reverse("workloads:launch-check", args=[project.name])


@pytest.fixture
def west(project):
    """A second cluster where the project has more free GPU than on east (8, all used but 2)."""
    cluster = Cluster.objects.create(name="west", api_url="http://127.0.0.1:2", capacity_gpu=32,
                                     capacity_cpu_millicores=64_000, capacity_memory_bytes=256 * GIB)
    Quota.objects.create(project=project, cluster=cluster, gpu=12, cpu_millicores=16_000, memory_bytes=64 * GIB)
    return cluster


def form(**overrides):
    data = {"type": "training", "name": "", "cluster": "east", "image": "", "command": "", "gpu": "0",
            "cpu": "1", "memory": "2", "model": "", "port": "", "workspace_flavour": "jupyterlab", "workers": "1"}
    return {**data, **overrides}


def text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def test_form_shows_free_quota_and_largest_request_per_cluster(member_client, launch_url, quota, west, make_workload):
    make_workload(requested_gpu=6, requested_cpu_millicores=2_000, requested_memory_bytes=28 * GIB)
    make_workload(cluster=west, requested_gpu=1, requested_cpu_millicores=16_000, requested_memory_bytes=GIB)
    page = text(member_client.get(launch_url))
    # east: quota 8 GPU / 32 cores / 128 GiB; west: quota 12 / 16 cores (all used) / 64 GiB
    assert "east (default) 2 of 8 30 cores of 32 cores 100 GiB of 128 GiB 2 GPU, 30 cores, 100 GiB" in page
    assert "west 11 of 12 0 cores of 16 cores 63 GiB of 64 GiB Nothing: quota used up" in page


def test_cluster_without_a_quota_says_launches_there_are_refused(
    member_client, launch_url, project, other_project, quota, outsider, member
):
    """A cluster the member sees (through another of their projects) but this project has no quota on."""
    north = Cluster.objects.create(name="north", api_url="http://127.0.0.1:3", capacity_gpu=4)
    Quota.objects.create(project=other_project, cluster=north, gpu=4)
    other_project.memberships.create(user=member)
    page = member_client.get(launch_url).content.decode()
    assert "No quota for Vision: launches here are refused." in page
    assert '<option value="north"' not in page  # still not offered: admission would refuse it


def test_default_cluster_is_one_where_the_default_request_fits_most_free_gpu_first(
    member_client, launch_url, quota, west, make_workload
):
    assert re.search(r'<option value="west" selected>', member_client.get(launch_url).content.decode())
    # west's CPU used up: the default request (1 core) no longer fits there, east it is.
    make_workload(cluster=west, requested_cpu_millicores=16_000)
    page = member_client.get(launch_url).content.decode()
    assert re.search(r'<option value="east" selected>', page)
    assert "Fits: 0 of 8 free GPUs on east" in text(member_client.get(launch_url))
    assert "west 12 of 12 0 cores of 16 cores 64 GiB of 64 GiB Nothing" in text(member_client.get(launch_url))


def test_default_cluster_ties_are_broken_by_name(member_client, launch_url, quota, west, make_workload):
    make_workload(cluster=west, requested_gpu=4)  # both have 8 free
    assert '<option value="east" selected>' in member_client.get(launch_url).content.decode()


def test_check_says_fits_with_the_free_figures(member_client, check_url, quota, make_workload):
    make_workload(requested_gpu=6)
    response = member_client.post(check_url, form(gpu="2"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    body = text(response)
    assert "Fits: 2 of 2 free GPUs on east" in body
    assert "CPU 1 of 32 cores free; Memory 2 of 128 GiB free." in body


def test_check_refuses_with_the_message_the_launch_would_give(member_client, check_url, launch_url, quota,
                                                              make_workload):
    make_workload(requested_gpu=6)
    check = member_client.post(check_url, form(gpu="4"))
    assert check.status_code == 200
    message = "GPU: requested 4, 2 free of quota 8 on cluster east (2 over)"
    assert message in check.content.decode()
    launched = member_client.post(launch_url, form(gpu="4", name="train-1", image="python:3.12"))
    assert message in launched.content.decode()
    assert Workload.objects.count() == 1  # the check wrote nothing, the launch was refused


def test_check_refuses_a_taken_name_like_the_launch(member_client, check_url, quota, make_workload):
    make_workload(name="train-1", requested_gpu=0)
    response = member_client.post(check_url, form(name="train-1"))
    assert response.status_code == 400
    assert "A workload named train-1 already exists in this project." in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"gpu": "many"}, "GPU: Enter a whole number."),
        ({"gpu": "-1"}, "GPU: Ensure this value is greater than or equal to 0."),
        ({"memory": "lots"}, "Memory (GiB): Enter a number."),
        ({"cluster": "west"}, "Cluster: Select a valid choice."),
        ({"type": "custom"}, "Type: Select a valid choice."),
    ],
)
def test_check_answers_bad_input_with_400_and_a_clear_message(member_client, check_url, quota, overrides, message):
    response = member_client.post(check_url, form(**overrides))
    assert response.status_code == 400
    assert message in text(response)


def test_check_is_post_only_and_scoped_to_the_project(client, check_url, member, outsider, quota):
    client.force_login(member)
    assert client.get(check_url).status_code == 405
    client.force_login(outsider)
    assert client.post(check_url, form()).status_code == 404


def test_check_needs_the_csrf_token(member, quota, check_url):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    assert strict.post(check_url, form()).status_code == 403


def test_check_queries_do_not_grow_with_workloads(member_client, project, cluster, quota, check_url,
                                                  django_assert_max_num_queries):
    def seed(count):
        Workload.objects.bulk_create(
            Workload(project=project, cluster=cluster, name=f"w{count}-{i}", type="training", status="running",
                     namespace="vision", created_by_name="member", requested_gpu=0)
            for i in range(count)
        )

    seed(5)
    member_client.post(check_url, form(name="fresh"))  # the first visit remembers the project
    with CaptureQueriesContext(connection) as queries:
        assert member_client.post(check_url, form(name="fresh")).status_code == 200
    small = len(queries)
    seed(95)
    with django_assert_max_num_queries(small):
        member_client.post(check_url, form(name="fresh"))
    # session, user, membership, name taken (form), cluster choice, quota, name taken (admission), usage
    assert small <= 8


def test_form_page_queries_do_not_grow_with_workloads(member_client, project, cluster, quota, west, launch_url,
                                                      django_assert_max_num_queries):
    for count in (5, 95):
        Workload.objects.bulk_create(
            Workload(project=project, cluster=c, name=f"w{count}-{c.name}-{i}", type="training", status="running",
                     namespace="vision", created_by_name="member")
            for i in range(count) for c in (cluster, west)
        )
        if count == 5:
            member_client.get(launch_url)
            with CaptureQueriesContext(connection) as queries:
                member_client.get(launch_url)
            small = len(queries)
    with django_assert_max_num_queries(small):
        member_client.get(launch_url)


# -- the dry run never admits more than the real admission -----------------------------------------

def launch(name, type=WorkloadType.TRAINING, gpu=0, cpu=1000, memory=GIB, **spec):
    return Launch(name=name, type=type, gpu=gpu, cpu_millicores=cpu, memory_bytes=memory,
                  spec={"image": "python:3.12", "command": [], **spec})


def admitted(project, cluster, user, request) -> bool:
    """Does the real admission admit `request`? (Rolled back: every grid point sees the same usage.)"""
    try:
        with transaction.atomic():
            admit(project, cluster, user, request)
            transaction.set_rollback(True)
    except AdmissionRefused:
        return False
    return True


def fits(project, cluster, user, request) -> bool:
    try:
        dry_run(project, cluster, user, request)
    except AdmissionRefused:
        return False
    return True


def test_dry_run_fits_exactly_when_the_real_admission_admits(project, cluster, quota, member, make_workload):
    # Used on east: 5 of 8 GPU, 30 of 32 cores, 120 of 128 GiB, and a live name.
    make_workload(name="taken", requested_gpu=5, requested_cpu_millicores=30_000, requested_memory_bytes=120 * GIB)
    make_workload(status="complete", requested_gpu=8)  # finished: holds nothing
    grid = itertools.product(
        ["fresh", "taken"],
        [(WorkloadType.TRAINING, {}), (WorkloadType.PRE_TRAINING, {"workers": 2}),
         (WorkloadType.INFERENCE, {"model": "m"})],
        [0, 1, 3, 4],  # GPU per pod
        [1, 1000, 2000, 2001],  # millicores per pod
        [GIB, 4 * GIB, 8 * GIB + 1],  # memory per pod
    )
    outcomes = set()
    for name, (type_, spec), gpu, cpu, memory in grid:
        request = launch(name, type_, gpu, cpu, memory, **spec)
        real = admitted(project, cluster, member, request)
        assert fits(project, cluster, member, request) == real, request
        outcomes.add(real)
    assert outcomes == {True, False}  # the grid crosses the boundary
    assert Workload.objects.count() == 2


def test_dry_run_writes_nothing_and_takes_no_lock(project, cluster, quota, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, CaptureQueriesContext(connection) as queries:
        admission = dry_run(project, cluster, member, launch("fresh", gpu=2))
    assert admission.workload.pk is None and admission.free["gpu"] == 8
    assert not Workload.objects.exists() and not callbacks
    assert not any("FOR UPDATE" in q["sql"] or q["sql"].startswith(("INSERT", "UPDATE")) for q in queries)


def test_dry_run_without_a_name_checks_the_rest(project, cluster, quota, member):
    assert dry_run(project, cluster, member, launch("", gpu=8)).workload.name == ""
    with pytest.raises(AdmissionRefused, match="GPU: requested 9"):
        dry_run(project, cluster, member, launch("", gpu=9))
    with pytest.raises(AdmissionRefused, match="needs a name"):
        admit(project, cluster, member, launch("", gpu=1))
