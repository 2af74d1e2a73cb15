"""Sign-in throttling (django-axes): wrong passwords lock one username from one address for a
while, on the login page and the Django admin's; the lockout says how long to wait."""

import pytest
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture(autouse=True)
def throttling(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def fail(client, url, username, times, **extra):
    for _ in range(times):
        response = client.post(url, {"username": username, "password": "wrong"}, **extra)
    return response


def test_five_wrong_passwords_then_the_right_one_does_not_sign_in(client, member):
    assert fail(client, LOGIN, "member", 4).status_code == 200  # not yet: "didn't match"
    locked = fail(client, LOGIN, "member", 1)
    assert locked.status_code == 429

    response = client.post(LOGIN, {"username": "member", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    html = response.content.decode()
    assert "Too many failed sign-ins; try again in 15 minutes." in html
    assert 'value="member"' in html  # the form is still there, filled in
    assert response["Retry-After"] == "900"
    assert client.get("/").status_code == 302  # still anonymous: sent to the login page


def test_forty_wrong_passwords_then_the_right_one_does_not_sign_in(client, member):
    fail(client, LOGIN, "member", 40)
    response = client.post(LOGIN, {"username": "member", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_another_user_on_the_same_address_still_signs_in(client, member, make_user):
    make_user("colleague")
    fail(client, LOGIN, "member", 5)
    other = Client()
    response = other.post(LOGIN, {"username": "colleague", "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in other.session


def test_the_same_user_from_another_address_still_signs_in(client, member):
    fail(client, LOGIN, "member", 5)
    elsewhere = Client(REMOTE_ADDR="10.1.2.3")
    response = elsewhere.post(LOGIN, {"username": "member", "password": PASSWORD})
    assert response.status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(client, member):
    fail(client, LOGIN, "member", 4)
    assert client.post(LOGIN, {"username": "member", "password": PASSWORD}).status_code == 302
    client.post("/accounts/logout/")
    fail(client, LOGIN, "member", 4)
    assert client.post(LOGIN, {"username": "member", "password": PASSWORD}).status_code == 302


def test_the_lockout_ends_after_the_cooloff(client, member, settings):
    from axes.models import AccessAttempt
    from django.utils import timezone

    fail(client, LOGIN, "member", 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timezone.timedelta(seconds=1))
    assert client.post(LOGIN, {"username": "member", "password": PASSWORD}).status_code == 302


def test_the_admin_login_is_throttled_too(client, django_user_model):
    django_user_model.objects.create_superuser("root", password=PASSWORD)
    fail(client, ADMIN_LOGIN, "root", 5)
    response = client.post(ADMIN_LOGIN, {"username": "root", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert client.get("/admin/").status_code == 302  # not signed in


def test_failures_on_one_login_page_count_on_the_other(client, django_user_model):
    django_user_model.objects.create_superuser("root", password=PASSWORD)
    fail(client, ADMIN_LOGIN, "root", 3)
    fail(client, LOGIN, "root", 2)
    assert client.post(LOGIN, {"username": "root", "password": PASSWORD}).status_code == 429


@pytest.mark.parametrize("url", [LOGIN, ADMIN_LOGIN])
def test_a_username_longer_than_any_account_is_refused_and_counted(client, url):
    """Django's login forms do not check the username's length before authenticating: a 10 KB
    one overflowed django-axes' username column (a 500). It is cut to the column instead."""
    long_name = "x" * 10_240
    assert fail(client, url, long_name, 1).status_code == 200
    assert fail(client, url, long_name, 4).status_code == 429
