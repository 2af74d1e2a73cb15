"""Single sign-on end to end: a real browser, devcenter and npm's oidc-provider on loopback."""

import re

import pytest
from django.contrib.sessions.backends.db import SessionStore

from projects.models import Membership, MembershipSource, Role
from sso.models import GroupMapping, Identity
from tests.browser.accessibility import assert_accessible
from tests.oidc.provider import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALICE = {"preferred_username": "alice", "email": "alice@example.com", "given_name": "Alice",
         "family_name": "Liddell", "groups": ["ml-team"]}


def sign_in_at_provider(page, live_server, login="alice-sub", check_page=False):
    page.goto(f"{live_server.url}/accounts/login/")
    if check_page:
        assert_accessible(page)
    page.get_by_role("link", name="Sign in with Test provider").click()
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("networkidle")


def session_of(page, live_server) -> SessionStore:
    cookie = next(c for c in page.context.cookies(live_server.url) if c["name"] == "sessionid")
    return SessionStore(session_key=cookie["value"])


def expire_renewal(page, live_server) -> None:
    """As if OIDC_RENEW_SECONDS had passed since the last trip through the provider."""
    session = session_of(page, live_server)
    session["oidc_id_token_expiration"] = 0
    session.save()


def test_sign_in_renewal_and_the_provider_session_ending(
    sso_settings, openid_provider, page, live_server, project, other_project, quota, make_workload
):
    make_workload(name="bert-training")
    GroupMapping.objects.create(group="ml-team", project=project, role=Role.ADMIN)
    GroupMapping.objects.create(group="other-team", project=other_project, role=Role.MEMBER)
    openid_provider.set_accounts({"alice-sub": ALICE})

    sign_in_at_provider(page, live_server, check_page=True)

    # Signed in, with the group's project (its only one) and the group's role there.
    assert page.url == f"{live_server.url}/p/vision/workloads/"
    identity = Identity.objects.select_related("user").get(issuer=openid_provider.issuer, subject="alice-sub")
    assert (identity.user.username, identity.user.email, identity.user.last_name) == ("alice", "alice@example.com", "Liddell")
    membership = Membership.objects.get(user=identity.user)
    assert (membership.project, membership.role, membership.source) == (project, Role.ADMIN, MembershipSource.GROUP)

    # Renewal: silent while the provider's session lasts; the person stays where they were.
    expire_renewal(page, live_server)
    page.goto(f"{live_server.url}/p/vision/quotas/")
    page.wait_for_load_state("networkidle")
    assert page.url == f"{live_server.url}/p/vision/quotas/"
    assert session_of(page, live_server)["oidc_id_token_expiration"] > 0
    assert Membership.objects.get(user=identity.user).role == Role.ADMIN  # the renewal's groups too

    # An htmx request that must renew takes the whole page through the provider (HX-Redirect)
    # and back to the page, instead of swapping the provider's answer into the table.
    page.goto(f"{live_server.url}/p/vision/workloads/")
    expire_renewal(page, live_server)
    workloads_page = f"{live_server.url}/p/vision/workloads/"
    with (
        page.expect_response(lambda r: r.url == workloads_page and r.request.is_navigation_request()) as back,
        page.expect_response(lambda r: r.status == 401 and "hx-redirect" in r.headers),
    ):
        # One htmx request (a change event; typing would add a delayed keyup request racing it).
        page.get_by_label("Name").fill("bert")
        page.get_by_label("Name").dispatch_event("change")
    assert back.value.status == 200
    page.wait_for_load_state("networkidle")
    assert page.url == workloads_page
    assert session_of(page, live_server)["oidc_id_token_expiration"] > 0
    assert page.get_by_role("heading", name="Workloads").is_visible()

    # The provider's session ends (its cookies gone): the next renewal signs the person out.
    page.context.clear_cookies(domain="127.0.0.1")
    expire_renewal(page, live_server)
    page.goto(f"{live_server.url}/p/vision/workloads/")
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("alert").inner_text() == "Your single sign-on session has ended: sign in again."
    page.goto(f"{live_server.url}/p/vision/workloads/")
    assert "/accounts/login/" in page.url


def test_sign_out_also_ends_the_provider_session(sso_settings, openid_provider, page, live_server, project, quota):
    GroupMapping.objects.create(group="ml-team", project=project, role=Role.MEMBER)
    openid_provider.set_accounts({"alice-sub": ALICE})
    sign_in_at_provider(page, live_server)
    assert page.url == f"{live_server.url}/p/vision/workloads/"

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(re.compile(r"/accounts/login/$"))

    # Signing in again asks for the password at the provider: its session is gone too.
    page.get_by_role("link", name="Sign in with Test provider").click()
    assert page.get_by_label("Password").is_visible()


def test_a_token_answering_another_sign_in_is_refused(sso_settings, openid_provider, page, live_server, project):
    """An attacker's ID token injected into the victim's sign-in carries the nonce of the
    attacker's request: here the browser's authorization request is rewritten on its way."""
    openid_provider.set_accounts({"alice-sub": ALICE})

    def swap_nonce(route):
        # The redirect to the provider is rewritten (Playwright routes no request a redirect made).
        response = route.fetch(max_redirects=0)
        location = re.sub(r"([?&]nonce=)[^&]+", r"\1attackers-nonce", response.headers["location"])
        route.fulfill(response=response, headers={**response.headers, "location": location})

    page.route(f"{live_server.url}/oidc/authenticate/**", swap_nonce)
    sign_in_at_provider(page, live_server)

    assert "/oidc/callback/" in page.url
    assert "nonce does not match" in page.get_by_role("alert").inner_text()
    assert not Identity.objects.exists()
    page.goto(f"{live_server.url}/p/vision/workloads/")
    assert "/accounts/login/" in page.url
