"""Signing in, out, and landing on the right project."""

import pytest
from django.urls import reverse

from projects.models import Membership, Project
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_anonymous_user_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_login_page_renders_with_csrf(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content
    assert b"Sign in" in response.content


def test_wrong_password_says_so(client, member):
    response = client.post("/accounts/login/", {"username": "member", "password": "nope"})
    assert response.status_code == 200
    assert b"didn't match" in response.content


def test_signing_in_leads_back_to_the_workspace_that_sent_the_visitor(client, member, cluster):
    cluster.workload_base_url = "https://ws.example.com/base"
    cluster.save()
    workspace = "https://ws.example.com/vision/notebook/lab"
    response = client.post(f"/accounts/login/?next={workspace}", {"username": "member", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == workspace
    # Any other site is still refused: home instead.
    client.logout()
    response = client.post("/accounts/login/?next=https://evil.example.net/", {"username": "member",
                                                                                "password": PASSWORD})
    assert response["Location"] == "/"


def test_user_in_one_project_goes_straight_to_it(client, member):
    client.post("/accounts/login/", {"username": "member", "password": PASSWORD})
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/p/vision/workloads/"


def test_user_in_several_projects_chooses_then_is_remembered(client, member, other_project):
    Membership.objects.create(user=member, project=other_project)
    client.force_login(member)
    response = client.get("/")
    assert response.status_code == 200
    assert b"Choose a project" in response.content
    client.get("/p/sandbox/workloads/")
    assert client.get("/")["Location"] == "/p/sandbox/workloads/"


def test_user_without_projects_is_told(client, make_user):
    client.force_login(make_user("lonely"))
    response = client.get("/")
    assert b"not a member of any project" in response.content


def test_project_selector_lists_only_own_projects(client, member, other_project):
    Project.objects.create(name="secret", display_name="Secret")
    client.force_login(member)
    response = client.get("/p/vision/workloads/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/p/vision/workloads/"' in html
    assert "/p/secret/" not in html
    assert "/p/sandbox/" not in html


def test_project_selector_marks_the_current_project_and_escapes_names(client, member, project):
    project.display_name = "<b>Vision</b> & co"
    project.save()
    client.force_login(member)
    html = client.get("/p/vision/workloads/").content.decode()
    assert ('<li><a href="/p/vision/workloads/" aria-current="page">&lt;b&gt;Vision&lt;/b&gt; &amp; co '
            '<span class="muted">vision</span></a></li>') in html
    assert "<b>Vision</b>" not in html


def test_another_projects_page_is_404(client, outsider, project):
    client.force_login(outsider)
    assert client.get("/p/vision/workloads/").status_code == 404
    assert client.get("/p/no-such-project/workloads/").status_code == 404


def test_logout_is_post_only(client, member):
    client.force_login(member)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302
