"""A NUL character in a query string, a form, a path or a cookie is a 400 with a clear message.

PostgreSQL refuses NUL in text, so one that reached a query would be a 500."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

MESSAGE = "Request refused: it contains a NUL character (%00), which no field accepts."


@pytest.fixture
def member_client(client, member, quota):
    client.force_login(member)
    return client


def assert_refused(response):
    assert response.status_code == 400
    assert response.content.decode() == MESSAGE
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize("param", ["name", "type", "status", "sort", "page", "per_page", "refresh_since", "_export"])
def test_workloads_page_query(member_client, project, param):
    assert_refused(member_client.get(f"/p/{project.name}/workloads/", {param: "a\x00b"}))


def test_a_parameter_name(member_client, project):
    assert_refused(member_client.get(f"/p/{project.name}/workloads/?na%00me=x"))


def test_launch_form(member_client, project, cluster):
    response = member_client.post(
        f"/p/{project.name}/workloads/launch/",
        {"type": "training", "name": "ok", "cluster": cluster.name, "image": "python\x00:3", "gpu": 0, "cpu": 1, "memory": 1},
    )
    assert_refused(response)


def test_members_form(client, project_admin, project):
    client.force_login(project_admin)
    assert_refused(client.post(f"/p/{project.name}/members/", {"action": "add", "username": "x\x00", "role": "member"}))


def test_login_form(client):
    assert_refused(client.post("/accounts/login/", {"username": "member\x00", "password": "x"}))


def test_path(member_client, project):
    assert_refused(member_client.get(f"/p/{project.name}%00/workloads/"))


def test_session_cookie(client):
    client.cookies[settings.SESSION_COOKIE_NAME] = "abcdefgh\x00ijklmnop"
    assert_refused(client.get("/"))


def test_text_without_nul_goes_through(member_client, project):
    assert member_client.get(f"/p/{project.name}/workloads/", {"name": "ünïcode ✓ 名前"}).status_code == 200


def test_admin_list_filter(admin_client):
    """A NUL in an admin changelist filter reached PostgreSQL: a 500."""
    assert_refused(admin_client.get("/admin/workloads/workload/?name__exact=a%00"))
