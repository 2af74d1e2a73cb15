"""Every URL of the Workloads pages: anonymous, outsider, member, admin, superuser, htmx fragment."""

import pytest
from django.urls import reverse

# (url name, method, takes a workload id, has an htmx fragment)
URLS = [
    ("workloads:list", "get", False, True),
    ("workloads:detail", "get", True, True),
    ("workloads:logs", "get", True, True),
    ("workloads:bulk-delete", "get", False, False),
    ("workloads:delete", "post", True, False),
    ("workloads:refresh", "post", False, False),
    ("workloads:bulk-delete", "post", False, False),
]
IDS = [f"{method}-{name.split(':')[1]}" for name, method, _, _ in URLS]


def url_for(name, project, workload=None):
    args = [project.name] + ([workload.pk] if workload is not None else [])
    return reverse(name, args=args)


@pytest.fixture
def workload(make_workload):
    return make_workload(name="mine")


def call(client, method, url, data=None, **headers):
    return getattr(client, method)(url, data or {}, headers=headers)


@pytest.mark.parametrize(("name", "method", "per_workload", "fragment"), URLS, ids=IDS)
def test_anonymous_is_sent_to_login(client, project, workload, name, method, per_workload, fragment):
    url = url_for(name, project, workload if per_workload else None)
    response = call(client, method, url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "method", "per_workload", "fragment"), URLS, ids=IDS)
def test_outsider_gets_404(client, outsider, project, workload, name, method, per_workload, fragment):
    client.force_login(outsider)
    response = call(client, method, url_for(name, project, workload if per_workload else None))
    assert response.status_code == 404


@pytest.mark.parametrize(("name", "method", "per_workload", "fragment"), URLS, ids=IDS)
@pytest.mark.parametrize("who", ["member", "project_admin", "superuser"])
def test_allowed_users_succeed(
    request, client, quota, project, workload, refresh_calls, who, name, method, per_workload, fragment
):
    user = request.getfixturevalue(who) if who != "superuser" else _superuser(request)
    client.force_login(user)
    data = {"id": [workload.pk]} if name == "workloads:bulk-delete" else None
    response = call(client, method, url_for(name, project, workload if per_workload else None), data)
    assert response.status_code == (200 if method == "get" else 303)
    if method == "get":
        assert response.content.startswith(b"<!doctype html>")


def _superuser(request):
    return request.getfixturevalue("django_user_model").objects.create_superuser("root", password="x")


@pytest.mark.parametrize(
    "name", [n for n, _, per_workload, _ in URLS if per_workload and _ != "post"] + ["workloads:delete"]
)
def test_another_projects_workload_is_404(client, member, quota, project, other_workload, name):
    client.force_login(member)
    method = "post" if name == "workloads:delete" else "get"
    response = call(client, method, url_for(name, project, other_workload))
    assert response.status_code == 404


def test_another_projects_workload_is_not_bulk_deleted(member_client, project, other_workload):
    response = member_client.post(url_for("workloads:bulk-delete", project), {"id": [other_workload.pk]})
    assert response.status_code == 303
    other_workload.refresh_from_db()
    assert other_workload.status == "running"


@pytest.mark.parametrize(("name", "method", "per_workload", "fragment"), [u for u in URLS if u[3]], ids=[
    i for i, u in zip(IDS, URLS, strict=True) if u[3]
])
def test_htmx_request_gets_the_fragment_only(member_client, project, workload, name, method, per_workload, fragment):
    url = url_for(name, project, workload if per_workload else None)
    response = member_client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert "HX-Request" in response["Vary"]
    full = member_client.get(url)
    assert b"<html" in full.content
    assert "HX-Request" in full["Vary"]


def test_boosted_and_history_restore_requests_get_the_page(member_client, list_url):
    boosted = member_client.get(list_url, headers={"HX-Request": "true", "HX-Boosted": "true"})
    restore = member_client.get(
        list_url, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert b"<html" in boosted.content
    assert b"<html" in restore.content


@pytest.mark.parametrize("name", ["workloads:delete", "workloads:refresh"])
def test_state_changes_refuse_get(member_client, project, workload, name):
    url = url_for(name, project, workload if name == "workloads:delete" else None)
    assert member_client.get(url).status_code == 405
    workload.refresh_from_db()
    assert workload.status == "running"
