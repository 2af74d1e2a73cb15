"""The Django admin and the quotas page save quotas at the same moment (threads with their own
PostgreSQL connections): both go through one lock, so the sum never exceeds the capacity."""

import threading

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from projects.models import Membership, Project, Quota, Role
from tests.conftest import wait_until_someone_waits_on_me

pytestmark = pytest.mark.django_db(transaction=True)


def page_post(client, project, cluster, gpu):
    return client.post(
        f"/p/{project.name}/quotas/",
        {"cluster": cluster.pk, f"c{cluster.pk}-gpu": str(gpu), f"c{cluster.pk}-cpu": "0", f"c{cluster.pk}-memory": "0"},
    )


def admin_add(client, project, cluster, gpu):
    return client.post(
        reverse("admin:projects_quota_add"),
        {"project": project.pk, "cluster": cluster.pk, "namespace": project.name, "gpu": gpu,
         "cpu_millicores": 0, "memory_bytes": 0, "_save": "Save"},
    )


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def allocated_gpu(cluster):
    return Quota.objects.filter(cluster=cluster).aggregate(total=Sum("gpu"))["total"]


def hold_open(save, outcome):
    """Run `save` in a transaction kept open until another session waits on its locks."""

    def run():
        try:
            with transaction.atomic():
                outcome["response"] = save()
                outcome["waited_on"] = wait_until_someone_waits_on_me(timeout=5)
        except Exception as error:  # noqa: BLE001 - asserted by the test
            outcome["error"] = repr(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_admin_save_waits_for_a_quotas_page_save_in_flight(
    project, other_project, cluster, quota, project_admin, admin_user
):
    """vision raises 8 -> 12 on the page; meanwhile the admin gives sandbox 8 of the 16. Read
    unlocked, the admin would see 8 free and both would be saved (20 of 16)."""
    page, admin = signed_in(project_admin), signed_in(admin_user)
    outcome = {}
    thread = hold_open(lambda: page_post(page, project, cluster, 12), outcome)
    while "response" not in outcome and "error" not in outcome and thread.is_alive():
        thread.join(timeout=0.01)
    response = admin_add(admin, other_project, cluster, 8)
    thread.join(timeout=30)

    assert outcome.get("error") is None and outcome["response"].status_code == 302
    assert outcome["waited_on"], "the admin's save did not wait for the page's lock"
    assert response.status_code == 200  # a form error, not a 500
    assert "GPU: 8 requested, 4 available on cluster east" in response.content.decode()
    assert not Quota.objects.filter(project=other_project).exists()
    assert allocated_gpu(cluster) == 12


def test_quotas_page_save_waits_for_an_admin_save_in_flight(
    project, other_project, cluster, quota, project_admin, admin_user
):
    """The admin gives sandbox 8 (a new row: nothing for the page's row locks to wait on but
    the cluster's lock); meanwhile vision's admin raises 8 -> 12 on the page."""
    page, admin = signed_in(project_admin), signed_in(admin_user)
    outcome = {}
    thread = hold_open(lambda: admin_add(admin, other_project, cluster, 8), outcome)
    while "response" not in outcome and "error" not in outcome and thread.is_alive():
        thread.join(timeout=0.01)
    response = page_post(page, project, cluster, 12)
    thread.join(timeout=30)

    assert outcome.get("error") is None and outcome["response"].status_code == 302
    assert outcome["waited_on"], "the page's save did not wait for the admin's lock"
    assert response.status_code == 200
    assert "GPU: 12 requested, 8 available on cluster east" in response.content.decode()
    quota.refresh_from_db()
    assert quota.gpu == 8
    assert allocated_gpu(cluster) == 16


def test_six_saves_at_once_through_both_paths_fit_the_cluster(cluster, admin_user, make_user):
    """Three admin adds and three page raises of 6 GPUs each at the same moment on a 16-GPU
    cluster: exactly two fit, the others are refused with the numbers, none fails."""
    jobs = []
    for i in range(3):
        jobs.append(("admin", Project.objects.create(name=f"given-{i}", display_name=f"Given {i}"), admin_user))
        raised = Project.objects.create(name=f"raised-{i}", display_name=f"Raised {i}")
        Quota.objects.create(project=raised, cluster=cluster)  # given earlier, nothing on it
        lead = make_user(f"lead-{i}")
        Membership.objects.create(user=lead, project=raised, role=Role.ADMIN)
        jobs.append(("page", raised, lead))
    clients = [signed_in(user) for _, _, user in jobs]
    start = threading.Barrier(len(jobs))
    results, lock = [], threading.Lock()

    def save(index):
        path, project, _ = jobs[index]
        try:
            start.wait()
            if path == "admin":
                response = admin_add(clients[index], project, cluster, 6)
            else:
                response = page_post(clients[index], project, cluster, 6)
            outcome = (response.status_code, response.content.decode())
        except Exception as error:  # noqa: BLE001 - asserted below
            outcome = (None, repr(error))
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(status for status, _ in results) == [200, 200, 200, 200, 302, 302], results
    refusals = [page for status, page in results if status == 200]
    assert all("GPU: 6 requested, 4 available on cluster east" in page for page in refusals)
    assert allocated_gpu(cluster) == 12
