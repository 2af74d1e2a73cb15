"""Delete: POST + CSRF, queued after commit, the row shows Deleting at once, twice is a no-op."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.web.conftest import rows
from workloads.models import StatusChange


def delete_url(project, workload):
    return reverse("workloads:delete", args=[project.name, workload.pk])


def test_delete_queues_task_after_commit_and_shows_deleting(
    member_client, project, list_url, make_workload, django_capture_on_commit_callbacks
):
    workload = make_workload(name="to-go")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = member_client.post(delete_url(project, workload), {"next": f"{list_url}?name=to"})
    assert response.status_code == 303
    assert response["Location"] == f"{list_url}?name=to"
    assert len(callbacks) == 1  # delete_workload.delay, only once the transaction commits
    workload.refresh_from_db()
    assert workload.status == "deleting"
    assert StatusChange.objects.filter(workload=workload, to_status="deleting").count() == 1

    page = member_client.get(response["Location"])
    html = page.content.decode()
    assert "Deletion of to-go queued." in html
    assert f'<tr id="workload-{workload.pk}" data-status="deleting"' in html
    assert '<span class="badge deleting">Deleting</span>' in html


def test_double_delete_is_a_no_op(member_client, project, make_workload, django_capture_on_commit_callbacks):
    workload = make_workload(name="twice")
    member_client.post(delete_url(project, workload))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = member_client.post(delete_url(project, workload), follow=True)
    assert callbacks == []
    assert StatusChange.objects.filter(workload=workload).count() == 1
    assert "twice is already deleting." in response.content.decode()


def test_delete_needs_csrf(member, quota, project, make_workload):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    workload = make_workload()
    assert client.post(delete_url(project, workload)).status_code == 403
    workload.refresh_from_db()
    assert workload.status == "running"


@pytest.mark.parametrize("evil", ["https://evil.example/", "//evil.example/p/vision/workloads/", "/admin/"])
def test_next_never_leaves_the_list(member_client, project, list_url, make_workload, evil):
    response = member_client.post(delete_url(project, make_workload()), {"next": evil})
    assert response["Location"] == list_url


def test_a_next_too_long_to_redirect_to_goes_to_the_list(member_client, project, list_url, make_workload):
    """Django refuses to redirect to a URL over 2048 characters (a bare 400)."""
    response = member_client.post(delete_url(project, make_workload()), {"next": f"{list_url}?name=" + "a" * 3000})
    assert response.status_code == 303
    assert response["Location"] == list_url


@pytest.mark.parametrize("status", ["deleting", "deleted"])
def test_delete_is_not_offered_when_already_going(member_client, list_url, make_workload, status):
    workload = make_workload(status=status)
    html = member_client.get(list_url, {"status": status}).content.decode()
    assert rows(member_client.get(list_url, {"status": status})) == [(workload.pk, workload.name)]
    assert "data-delete-url" not in html


def test_delete_offered_with_the_workload_name(member_client, project, list_url, make_workload):
    workload = make_workload(name="visible")
    html = member_client.get(list_url).content.decode()
    assert f'data-delete-url="{delete_url(project, workload)}" data-delete-name="visible"' in html
    assert 'aria-label="Actions for visible"' in html
