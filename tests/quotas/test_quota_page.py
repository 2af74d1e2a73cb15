"""The quotas page: quota, used (workloads holding resources), free and unallocated per cluster."""

import pytest

from projects.models import Cluster, Project, Quota
from tests.conftest import GIB
from workloads.status import WorkloadStatus

pytestmark = pytest.mark.django_db


def test_member_sees_used_free_and_unallocated(client, member, project, other_project, cluster, quota, make_workload):
    Quota.objects.create(project=other_project, cluster=cluster, gpu=6, cpu_millicores=8000, memory_bytes=64 * GIB)
    for status in (WorkloadStatus.ADDED, WorkloadStatus.PENDING, WorkloadStatus.RUNNING, WorkloadStatus.DELETING):
        make_workload(status=status, requested_gpu=1, requested_cpu_millicores=500, requested_memory_bytes=GIB)
    for status in (WorkloadStatus.COMPLETE, WorkloadStatus.FAILED, WorkloadStatus.DELETED):
        make_workload(status=status, requested_gpu=5, requested_cpu_millicores=5000, requested_memory_bytes=GIB)
    client.force_login(member)
    page = client.get(f"/p/{project.name}/quotas/").content.decode()
    assert "<strong>4</strong> used of <strong>8</strong>" in page  # GPU
    assert "4 free" in page
    assert "<strong>2 cores</strong> used of <strong>32 cores</strong>" in page
    assert "<strong>4 GiB</strong> used of <strong>128 GiB</strong>" in page
    assert "Cluster: 2 unallocated of 16" in page  # 16 - 8 - 6
    assert "Cluster: 24 cores unallocated of 64 cores" in page
    assert 'width="50%"' in page  # the bar (an SVG rect: no inline style for the CSP)
    assert "id=\"quota-" not in page and "Only project admins can change quotas." in page  # read-only


def test_member_post_is_forbidden(client, member, project, cluster, quota):
    client.force_login(member)
    response = client.post(f"/p/{project.name}/quotas/", {"cluster": cluster.pk, f"c{cluster.pk}-gpu": "16"})
    assert response.status_code == 403
    quota.refresh_from_db()
    assert quota.gpu == 8


def test_admin_edits_amounts_only_on_clusters_the_platform_admin_gave(client, project_admin, project, cluster, quota):
    Cluster.objects.create(name="west", api_url="http://127.0.0.1:2", capacity_gpu=4)
    client.force_login(project_admin)
    page = client.get(f"/p/{project.name}/quotas/").content.decode()
    assert 'id="cluster-east"' in page and 'id="cluster-west"' not in page
    assert 'aria-label="GPU quota on east"' in page and 'aria-label="GPU quota on west"' not in page
    assert "namespace <code>vision</code>" in page  # shown, not editable
    assert 'name="namespace"' not in page and "-namespace" not in page


def test_member_sees_only_clusters_with_a_quota(client, member, project, cluster, quota):
    Cluster.objects.create(name="west", api_url="http://127.0.0.1:2", capacity_gpu=4)
    client.force_login(member)
    page = client.get(f"/p/{project.name}/quotas/").content.decode()
    assert 'id="cluster-west"' not in page


def _add_clusters_and_workloads(n, project, make_workload):
    for i in range(n):
        cluster = Cluster.objects.create(name=f"c{n}-{i}", api_url="http://127.0.0.1:3", capacity_gpu=100)
        Quota.objects.create(project=project, cluster=cluster, gpu=10)
        Quota.objects.create(project=Project.objects.get_or_create(name=f"p{n}-{i}", display_name="P")[0],
                             cluster=cluster, gpu=10)
        for _ in range(3):
            make_workload(cluster=cluster, requested_gpu=1)


@pytest.mark.parametrize("n", [2, 20])
def test_query_count_does_not_grow_with_clusters_or_workloads(
    client, project_admin, project, make_workload, django_assert_max_num_queries, n
):
    _add_clusters_and_workloads(n, project, make_workload)
    client.force_login(project_admin)
    client.get(f"/p/{project.name}/quotas/")  # remembers the project in the session once
    # session, user, membership, clusters+allocated, quotas, usage, history, project selector,
    # and the workloads waiting for quota or capacity
    with django_assert_max_num_queries(9):
        response = client.get(f"/p/{project.name}/quotas/")
    # The fixture's cluster has no quota of vision's: not listed, even for its admin.
    assert response.content.decode().count('class="resource"') == 3 * n


def test_admin_sees_what_waits_for_quota_or_capacity_and_for_how_long(
    client, member, project_admin, project, cluster, quota, make_workload
):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    make_workload(name="needs-gpus", status=WorkloadStatus.PENDING, created_at=now - timedelta(hours=2, minutes=14),
                  why="Waiting for 4 GPUs: 1 free on east (3 short). Lower the request or wait.", why_kind="capacity")
    make_workload(name="bad-image", status=WorkloadStatus.FAILED, why="Image not found: x.", why_kind="image")
    make_workload(name="quota-bound", status=WorkloadStatus.ADDED, why="Quota: vision has 0 of 16 GPUs free on east.",
                  why_kind="quota")
    client.force_login(project_admin)
    page = client.get(f"/p/{project.name}/quotas/").content.decode()
    waiting = page[page.index('id="waiting"'):]
    assert "needs-gpus" in waiting and "2\xa0hours, 14\xa0minutes" in waiting and "3 short" in waiting
    assert "quota-bound" in waiting and "bad-image" not in waiting
    assert waiting.index("needs-gpus") < waiting.index("quota-bound")  # longest waiting first
    client.force_login(member)
    assert 'id="waiting"' not in client.get(f"/p/{project.name}/quotas/").content.decode()
