"""Two project admins change the members at the same moment (threads with their own PostgreSQL
connections): each is told what was actually stored."""

import threading

import pytest
from django.db import connection, transaction
from django.test import Client

from projects.models import Membership, Role
from tests.conftest import wait_until_someone_waits_on_me

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def second_admin(make_user, project):
    user = make_user("lead2")
    Membership.objects.create(user=user, project=project, role=Role.ADMIN)
    return user


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def members_post(client, project, **data):
    return client.post(f"/p/{project.name}/members/", data, follow=True)


def test_the_second_of_two_adds_is_told_the_role_the_first_stored(project, project_admin, second_admin, make_user):
    """lead adds newbie as Admin and has not committed yet when lead2 adds newbie as Member:
    lead2's form check sees no membership, its locked add finds lead's."""
    make_user("newbie")
    first, second = signed_in(project_admin), signed_in(second_admin)
    outcome = {}

    def add_as_admin_and_hold():
        try:
            with transaction.atomic():
                outcome["response"] = members_post(first, project, action="add", username="newbie", role="admin")
                outcome["waited_on"] = wait_until_someone_waits_on_me(timeout=5)
        finally:
            connection.close()

    thread = threading.Thread(target=add_as_admin_and_hold)
    thread.start()
    while "response" not in outcome and thread.is_alive():
        thread.join(timeout=0.01)
    response = members_post(second, project, action="add", username="newbie", role="member")
    thread.join(timeout=30)

    assert "newbie added as Admin." in outcome["response"].content.decode()
    assert outcome["waited_on"], "the second add did not wait for the first one's lock"
    page = response.content.decode()
    assert "newbie is already a member of Vision. Nothing changed: their role is Admin." in page
    assert "added as Member" not in page
    assert list(Membership.objects.filter(user__username="newbie").values_list("role", flat=True)) == [Role.ADMIN]


def test_two_adds_at_once_store_one_membership_and_say_so(project, project_admin, second_admin, make_user):
    make_user("newbie")
    clients = {"admin": signed_in(project_admin), "member": signed_in(second_admin)}
    start = threading.Barrier(2)
    pages, errors = {}, []

    def add(role):
        try:
            start.wait()
            pages[role] = members_post(clients[role], project, action="add", username="newbie", role=role)
        except Exception as error:  # noqa: BLE001 - asserted below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(role,)) for role in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    stored = Membership.objects.get(user__username="newbie").get_role_display()
    told = {role: response.content.decode() for role, response in pages.items()}
    added = [role for role, page in told.items() if f"newbie added as {stored}." in page]
    refused = [role for role, page in told.items() if f"Nothing changed: their role is {stored}." in page]
    assert len(added) == 1 and len(refused) == 1 and added != refused, told
