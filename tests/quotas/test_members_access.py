"""Who may see and change the quotas and members pages: anonymous, outsider, member, project admin."""

import pytest

from projects.models import Membership, Role

pytestmark = pytest.mark.django_db

PAGES = ["quotas", "members"]


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_login(client, project, page):
    response = client.get(f"/p/{project.name}/{page}/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404(client, project, outsider, page, method):
    client.force_login(outsider)
    assert getattr(client, method)(f"/p/{project.name}/{page}/").status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_member_reads_but_cannot_change(client, project, member, project_admin, page):
    client.force_login(member)
    assert client.get(f"/p/{project.name}/{page}/").status_code == 200
    assert client.post(f"/p/{project.name}/{page}/", {"action": "add", "username": "member"}).status_code == 403


def test_member_sees_the_member_list_without_actions(client, project, member, project_admin):
    client.force_login(member)
    page = client.get(f"/p/{project.name}/members/").content.decode()
    assert "lead" in page and "member" in page
    assert "Add a member" not in page and "Change role" not in page


def test_admin_adds_a_member_by_username(client, project, project_admin, make_user):
    make_user("newbie")
    client.force_login(project_admin)
    response = client.post(f"/p/{project.name}/members/", {"action": "add", "username": "newbie", "role": "member"})
    assert response.status_code == 302
    assert Membership.objects.get(project=project, user__username="newbie").role == Role.MEMBER


def test_unknown_username_is_a_form_error(client, project, project_admin):
    client.force_login(project_admin)
    response = client.post(f"/p/{project.name}/members/", {"action": "add", "username": "ghost", "role": "member"})
    assert response.status_code == 200
    assert "No user named “ghost”." in response.content.decode()


def test_adding_an_existing_member_is_a_form_error(client, project, project_admin, member):
    client.force_login(project_admin)
    response = client.post(f"/p/{project.name}/members/", {"action": "add", "username": "member", "role": "admin"})
    assert "member is already a member of Vision. Nothing changed: their role is Member." in response.content.decode()
    assert Membership.objects.get(user=member).role == Role.MEMBER


def test_admin_changes_a_role_and_removes_a_member(client, project, project_admin, member):
    membership = Membership.objects.get(user=member)
    client.force_login(project_admin)
    client.post(f"/p/{project.name}/members/", {"action": "role", "membership": membership.pk, "role": "admin"})
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN
    client.post(f"/p/{project.name}/members/", {"action": "remove", "membership": membership.pk})
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_memberships_of_other_projects_cannot_be_touched(client, project, project_admin, outsider):
    foreign = Membership.objects.get(user=outsider)
    client.force_login(project_admin)
    response = client.post(f"/p/{project.name}/members/", {"action": "remove", "membership": foreign.pk}, follow=True)
    assert "That person is not a member of this project." in response.content.decode()
    assert Membership.objects.filter(pk=foreign.pk).exists()


def test_superuser_manages_any_project(client, project, make_user, member):
    root = make_user("root", is_superuser=True, is_staff=True)
    client.force_login(root)
    membership = Membership.objects.get(user=member)
    client.post(f"/p/{project.name}/members/", {"action": "role", "membership": membership.pk, "role": "admin"})
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_removing_a_member_someone_just_removed_is_a_message_not_a_500(client, project, project_admin, member):
    membership = Membership.objects.get(user=member)
    client.force_login(project_admin)
    assert "member removed from Vision." in client.post(
        f"/p/{project.name}/members/", {"action": "remove", "membership": membership.pk}, follow=True
    ).content.decode()
    for action in ("remove", "role"):
        response = client.post(
            f"/p/{project.name}/members/", {"action": action, "membership": membership.pk, "role": "admin"}, follow=True
        )
        assert response.status_code == 200
        assert "That person is not a member of this project." in response.content.decode()


def test_setting_the_role_a_member_already_has_says_nothing_changed(client, project, project_admin, member):
    membership = Membership.objects.get(user=member)
    client.force_login(project_admin)
    response = client.post(
        f"/p/{project.name}/members/", {"action": "role", "membership": membership.pk, "role": "member"}, follow=True
    )
    assert "member is already Member: nothing changed." in response.content.decode()
