"""A project admin manages members in a real browser: add, change a role, and is stopped from
leaving the project without an admin."""

import pytest
from playwright.sync_api import expect

from projects.models import Membership, Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_adds_promotes_and_keeps_an_admin(login, page, project, project_admin, make_user, screenshot):
    make_user("newcomer")
    login("lead")
    page.get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", name="Members")).to_be_visible()

    page.get_by_label("Username").fill("nobody-here")
    page.get_by_role("button", name="Add member").click()
    expect(page.get_by_role("alert")).to_contain_text("nobody-here")

    page.get_by_label("Username").fill("newcomer")
    page.get_by_role("button", name="Add member").click()
    row = page.get_by_role("row").filter(has_text="newcomer")
    expect(row).to_contain_text("Member")

    row.get_by_label("Role of newcomer").select_option("admin")
    row.get_by_role("button", name="Change role").click()
    expect(page.get_by_role("row").filter(has_text="newcomer")).to_contain_text("Admin")
    assert Membership.objects.get(user__username="newcomer", project=project).role == Role.ADMIN

    # Back to one admin, then try to demote the last one.
    newcomer_row = page.get_by_role("row").filter(has_text="newcomer")
    newcomer_row.get_by_label("Role of newcomer").select_option("member")
    newcomer_row.get_by_role("button", name="Change role").click()
    lead_row = page.get_by_role("row").filter(has_text="lead")
    lead_row.get_by_label("Role of lead").select_option("member")
    lead_row.get_by_role("button", name="Change role").click()
    expect(page.locator(".messages")).to_contain_text("last admin")
    expect(page.get_by_role("row").filter(has_text="lead")).to_contain_text("Admin")
    screenshot("members-page")
