"""Signing in at the provider (authorization code flow with PKCE, state and nonce), its
callback, and signing out there too. Each failure is the sign-in page saying why, never a 500."""

import logging
from urllib.parse import urlencode

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.views import LogoutView
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from devcenter.auth import LOGIN_TEMPLATE, SignInForm, sign_in_context, workspace_hosts
from sso import discovery
from sso.backend import ProviderBackend, SignInRefused
from sso.config import provider

logger = logging.getLogger(__name__)
BACKEND_PATH = f"{ProviderBackend.__module__}.{ProviderBackend.__qualname__}"
# What the provider's error codes (OpenID Connect Core 3.1.2.6) mean for the person.
PROVIDER_ERRORS = {
    "login_required": "Your single sign-on session has ended: sign in again.",
    "interaction_required": "Your single sign-on session has ended: sign in again.",
    "consent_required": "The identity provider asks for your consent: sign in again.",
    "access_denied": "The identity provider did not let you sign in.",
}


def sign_in_page(request, message: str, status: int):
    context = {**sign_in_context(), "form": SignInForm(request), "sso_error": message[:500]}
    return render(request, LOGIN_TEMPLATE, context, status=status)


def _require_provider():
    config = provider()
    if config is None:
        raise Http404("Single sign-on is not configured.")
    return config


class StartSignInView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider's authorization endpoint (mozilla-django-oidc stores
    state, nonce and the PKCE verifier in the session)."""

    def __init__(self, **kwargs):
        # The endpoint is discovered per request (cached), not read from a setting at start-up.
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    def get(self, request):
        config = _require_provider()
        try:
            self.OIDC_OP_AUTH_ENDPOINT = discovery.metadata(config.issuer).authorization_endpoint
        except discovery.ProviderUnavailable as error:
            logger.warning("OIDC provider unavailable: %s", error)
            return sign_in_page(request, f"{config.name} cannot be reached just now: sign in later.", 503)
        self.OIDC_RP_CLIENT_ID = config.client_id
        response = super().get(request)
        # As the password form does: `next` may also lead back to a workspace (the ingress sends
        # anonymous visitors here), never elsewhere.
        wanted = request.GET.get("next", "")
        allowed = {request.get_host(), *workspace_hosts()}
        safe = url_has_allowed_host_and_scheme(wanted, allowed_hosts=allowed, require_https=request.is_secure())
        request.session["oidc_login_next"] = wanted if safe else None
        return response


class CallbackView(OIDCAuthenticationCallbackView):
    def get(self, request):
        _require_provider()
        try:
            return super().get(request)
        except SignInRefused as refused:
            return sign_in_page(request, str(refused), 400)
        except SuspiciousOperation:
            # mozilla-django-oidc: the state is not one this browser's session started.
            return sign_in_page(request, "Sign-in refused: it was not started from this browser, or was "
                                "already used. Sign in again.", 400)

    def login_failure(self):
        error = self.request.GET.get("error")
        if error:
            message = PROVIDER_ERRORS.get(error, "The identity provider refused the sign-in.")
            return sign_in_page(self.request, message, 401)
        if getattr(self, "user", None) is not None and not self.user.is_active:
            return sign_in_page(self.request, "Your devcenter account is disabled: ask a platform admin.", 403)
        return sign_in_page(self.request, "Sign-in did not complete: sign in again.", 400)


def provider_sign_out_url(request) -> str | None:
    """Where the provider ends its own session (RP-initiated logout), for a person who signed
    in there; None for local accounts, or when the provider offers no such endpoint."""
    config = provider()
    if config is None or request.session.get(BACKEND_SESSION_KEY) != BACKEND_PATH:
        return None
    try:
        endpoint = discovery.metadata(config.issuer).end_session_endpoint
    except discovery.ProviderUnavailable as error:
        logger.warning("OIDC provider unavailable at sign-out: %s", error)
        return None
    if not endpoint:
        return None
    params = {
        "client_id": config.client_id,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
    }
    if id_token := request.session.get("oidc_id_token"):
        params["id_token_hint"] = id_token
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


class SignOutView(LogoutView):
    """Local sign-out for everyone; then, for a single sign-on session, the provider's too."""

    def post(self, request, *args, **kwargs):
        at_provider = provider_sign_out_url(request)
        response = super().post(request, *args, **kwargs)
        return HttpResponseRedirect(at_provider) if at_provider else response
