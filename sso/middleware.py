"""Renewing a single sign-on session: mozilla-django-oidc's SessionRefresh, htmx-aware.

Every OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS a signed-in person's next GET goes through the
provider again with `prompt=none`: silent while their provider session lasts, the sign-in page
once it has ended. An htmx request cannot follow that redirect (it would swap the provider's
page into a fragment): it gets 401 with `HX-Redirect`, and the whole page goes, then comes back
to the page the person was on (`HX-Current-URL`), not to the fragment's URL.
"""

import logging
import re

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from mozilla_django_oidc.middleware import SessionRefresh
from mozilla_django_oidc.utils import import_from_settings

from sso import discovery
from sso.config import provider

logger = logging.getLogger(__name__)


class RenewSession(SessionRefresh):
    # Discovered at use, not read at start-up (base __init__ assigns these; the setters ignore it).
    OIDC_OP_AUTHORIZATION_ENDPOINT = property(
        lambda self: discovery.metadata(provider().issuer).authorization_endpoint, lambda self, value: None
    )
    OIDC_RP_CLIENT_ID = property(lambda self: provider().client_id, lambda self, value: None)
    # The same scopes as at sign-in, read when used: a renewal without the groups' scope would
    # carry no groups, and take away every role they gave.
    OIDC_RP_SCOPES = property(lambda self: import_from_settings("OIDC_RP_SCOPES"), lambda self, value: None)

    @staticmethod
    def get_settings(attr, *args):
        if attr in ("OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_RP_CLIENT_ID", "OIDC_RP_SCOPES"):
            return None
        return import_from_settings(attr, *args)

    @property
    def exempt_url_patterns(self):
        return {re.compile(pattern) for pattern in import_from_settings("OIDC_EXEMPT_URL_PATTERNS", [])}

    def process_request(self, request):
        if provider() is None:
            return None
        try:
            response = super().process_request(request)
        except discovery.ProviderUnavailable as error:
            # The session goes on until the provider answers again (SESSION_COOKIE_AGE still ends it).
            logger.warning("OIDC session not renewed, provider unavailable: %s", error)
            return None
        if isinstance(response, HttpResponseRedirect) and request.headers.get("HX-Request") == "true":
            request.session["oidc_login_next"] = self._page_of(request)
            htmx_response = HttpResponse("Your session needs renewing at the identity provider.", status=401,
                                         content_type="text/plain; charset=utf-8")
            htmx_response["HX-Redirect"] = response.url
            return htmx_response
        return response

    @staticmethod
    def _page_of(request) -> str:
        page = request.headers.get("HX-Current-URL", "")
        if url_has_allowed_host_and_scheme(page, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            return page
        return resolve_url(import_from_settings("LOGIN_REDIRECT_URL", "/"))
