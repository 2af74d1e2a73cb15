"""The sign-in views and the session renewal against the real provider, through Django's test
client: PKCE, state and nonce sent; bad callbacks a 4xx with a message; htmx renewal."""

from urllib.parse import parse_qs, urlsplit

import pytest

from sso import discovery
from sso.backend import ProviderBackend, SignInRefused
from tests.oidc.keys import id_token, rsa_key
from tests.oidc.provider import CLIENT_ID, SIGNING_KID

pytestmark = pytest.mark.django_db
BACKEND = "sso.backend.ProviderBackend"


def test_without_a_provider_there_is_no_button_and_no_sso_url(client):
    assert "Sign in with" not in client.get("/accounts/login/").content.decode()
    assert client.get("/oidc/authenticate/").status_code == 404


def test_the_login_page_offers_the_provider_and_the_local_form(sso_settings, client):
    html = client.get("/accounts/login/?next=/p/vision/quotas/").content.decode()
    assert 'href="/oidc/authenticate/?next=/p/vision/quotas/"' in html
    assert "Sign in with Test provider" in html and 'name="password"' in html


def test_start_sends_pkce_state_and_nonce_to_the_discovered_endpoint(sso_settings, openid_provider, client):
    response = client.get("/oidc/authenticate/")
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == discovery.metadata(openid_provider.issuer).authorization_endpoint
    query = parse_qs(target.query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    state, nonce = query["state"][0], query["nonce"][0]
    assert client.session["oidc_states"][state]["nonce"] == nonce


def test_next_may_lead_to_a_workspace_host_never_elsewhere(sso_settings, client, cluster):
    cluster.workload_base_url = "https://ws.example.com"
    cluster.save()
    client.get("/oidc/authenticate/?next=https://ws.example.com/vision/nb/")
    assert client.session["oidc_login_next"] == "https://ws.example.com/vision/nb/"
    client.get("/oidc/authenticate/?next=https://evil.example.com/")
    assert client.session["oidc_login_next"] is None


def test_an_unreachable_provider_is_a_message_not_a_500(sso_settings, client):
    sso_settings.OIDC_ISSUER = "http://127.0.0.1:1"
    response = client.get("/oidc/authenticate/")
    assert response.status_code == 503
    assert "cannot be reached just now" in response.content.decode()


def test_a_callback_this_browser_did_not_start_is_refused(sso_settings, client):
    client.get("/oidc/authenticate/")
    response = client.get("/oidc/callback/?code=stolen&state=someone-elses")
    assert response.status_code == 400
    assert "not started from this browser" in response.content.decode()
    response = client.get("/oidc/callback/?error=access_denied&state=x")
    assert response.status_code == 401 and "did not let you sign in" in response.content.decode()


def test_a_token_signed_by_another_key_under_the_providers_kid_is_refused(sso_settings, openid_provider):
    """Against the provider's published key set (discovered, fetched): only its own key verifies."""
    claims = {"iss": openid_provider.issuer, "aud": CLIENT_ID, "sub": "alice-sub", "nonce": "n"}
    backend = ProviderBackend()
    assert backend.verify_token(id_token(openid_provider.signing_key, SIGNING_KID, **claims), nonce="n")["sub"] == "alice-sub"
    with pytest.raises(SignInRefused, match="signature does not match"):
        backend.verify_token(id_token(rsa_key(), SIGNING_KID, **claims), nonce="n")
    with pytest.raises(SignInRefused, match="issued to another client"):
        backend.verify_token(id_token(openid_provider.signing_key, SIGNING_KID, **{**claims, "aud": "x"}), nonce="n")


def expired_sso_session(client, user):
    client.force_login(user, backend=BACKEND)
    session = client.session
    session["oidc_id_token_expiration"] = 0
    session.save()


def test_an_htmx_request_that_must_renew_gets_hx_redirect_not_the_provider_in_a_fragment(
    sso_settings, openid_provider, client, member, project, quota
):
    expired_sso_session(client, member)
    page = "http://testserver/p/vision/workloads/?status=running"
    response = client.get("/p/vision/workloads/?page=2", headers={"HX-Request": "true", "HX-Current-URL": page})
    assert response.status_code == 401
    renewal = urlsplit(response["HX-Redirect"])
    assert response["HX-Redirect"].startswith(discovery.metadata(openid_provider.issuer).authorization_endpoint)
    assert parse_qs(renewal.query)["prompt"] == ["none"]
    # Back from the provider, the person lands on the page, not on the fragment's URL.
    assert client.session["oidc_login_next"] == page


def test_renewal_never_returns_to_another_site_and_plain_pages_redirect(sso_settings, client, member, project, quota):
    expired_sso_session(client, member)
    headers = {"HX-Request": "true", "HX-Current-URL": "https://evil.example.com/"}
    assert client.get("/p/vision/workloads/", headers=headers).status_code == 401
    assert client.session["oidc_login_next"] == "/"
    expired_sso_session(client, member)
    response = client.get("/p/vision/workloads/")
    assert response.status_code == 302 and "prompt=none" in response["Location"]


def test_local_accounts_never_go_to_the_provider(sso_settings, client, member, project, quota):
    client.force_login(member)
    assert client.get("/p/vision/workloads/").status_code == 200
