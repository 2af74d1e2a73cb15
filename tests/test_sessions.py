"""Sessions end: with the browser unless the person asks to stay signed in, and on the server
after SESSION_COOKIE_AGE (12 h by default) either way."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def sign_in(client, **extra):
    response = client.post(LOGIN, {"username": "member", "password": PASSWORD, **extra})
    assert response.status_code == 302
    return response.cookies[settings.SESSION_COOKIE_NAME]


def server_side_lifetime(cookie):
    return Session.objects.get(session_key=cookie.value).expire_date - timezone.now()


def test_default_age_is_twelve_hours():
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60


def test_without_keep_me_signed_in_the_session_ends_with_the_browser(client, member):
    cookie = sign_in(client)
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # a browser-session cookie
    assert timezone.timedelta(hours=11, minutes=59) < server_side_lifetime(cookie) <= timezone.timedelta(hours=12)


def test_keep_me_signed_in_lasts_the_session_age(client, member):
    cookie = sign_in(client, keep_signed_in="on")
    assert cookie["max-age"] == 12 * 60 * 60
    assert timezone.timedelta(hours=11, minutes=59) < server_side_lifetime(cookie) <= timezone.timedelta(hours=12)


def test_session_age_is_a_setting(client, member, settings):
    settings.SESSION_COOKIE_AGE = 3600
    cookie = sign_in(client, keep_signed_in="on")
    assert cookie["max-age"] == 3600


def test_an_expired_session_is_signed_out(client, member):
    cookie = sign_in(client, keep_signed_in="on")
    Session.objects.filter(session_key=cookie.value).update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_login_page_offers_keep_me_signed_in(client):
    html = client.get(LOGIN).content.decode()
    assert '<input type="checkbox" name="keep_signed_in" id="id_keep_signed_in">' in html
    assert "Keep me signed in" in html
