"""A project always keeps at least one admin: the last one can be neither removed nor demoted."""

import pytest

from projects.models import Membership, Role

pytestmark = pytest.mark.django_db


def test_last_admin_cannot_be_demoted(client, project, project_admin):
    membership = Membership.objects.get(user=project_admin)
    client.force_login(project_admin)
    response = client.post(
        f"/p/{project.name}/members/", {"action": "role", "membership": membership.pk, "role": "member"}, follow=True
    )
    assert "Cannot demote lead: they are the last admin of Vision." in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_last_admin_cannot_be_removed(client, project, project_admin):
    membership = Membership.objects.get(user=project_admin)
    client.force_login(project_admin)
    response = client.post(f"/p/{project.name}/members/", {"action": "remove", "membership": membership.pk}, follow=True)
    assert "Cannot remove lead: they are the last admin of Vision." in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_an_admin_may_step_down_once_another_admin_exists(client, project, project_admin, member):
    Membership.objects.filter(user=member).update(role=Role.ADMIN)
    membership = Membership.objects.get(user=project_admin)
    client.force_login(project_admin)
    response = client.post(f"/p/{project.name}/members/", {"action": "remove", "membership": membership.pk})
    assert response.status_code == 302 and response.url == "/"
    assert list(Membership.objects.filter(project=project).values_list("user__username", "role")) == [
        ("member", Role.ADMIN)
    ]
