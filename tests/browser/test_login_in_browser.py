"""A person signs in with a real browser and lands on their project's Workloads page."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_lands_on_the_only_project(login, page, live_server, member, screenshot):
    login("member")
    assert page.url == f"{live_server.url}/p/vision/workloads/"
    assert page.get_by_role("heading", name="Workloads").is_visible()
    screenshot("after-login")


def test_wrong_password_stays_on_login(login, page, member):
    login("member", password="wrong")
    assert "/accounts/login/" in page.url
    assert page.get_by_role("alert").is_visible()
