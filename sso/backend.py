"""mozilla-django-oidc's backend with the provider discovered, strict ID token checks, and
users found by issuer + subject (sso.accounts), never by e-mail."""

import logging

import jwt
import requests
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from sso import discovery
from sso.accounts import apply_group_roles, groups_in, user_for_claims
from sso.config import provider
from sso.id_token import TokenRefused, verify_id_token

logger = logging.getLogger(__name__)


class SignInRefused(SuspiciousOperation):
    """The provider's answer cannot sign anyone in; the message is for the person (the callback
    view shows it). A SuspiciousOperation, so anything else that meets it answers 400."""


class ProviderBackend(OIDCAuthenticationBackend):
    OIDC_RP_SIGN_ALGO = "RS256"

    def __init__(self, *args, **kwargs):
        # Django builds every backend for every sign-in, password ones too: nothing is read
        # from the provider until a callback asks for it.
        self.UserModel = get_user_model()

    @property
    def _provider(self):
        config = provider()
        if config is None:
            raise SignInRefused("single sign-on is not configured")
        return config

    def _metadata(self):
        try:
            return discovery.metadata(self._provider.issuer)
        except discovery.ProviderUnavailable as error:
            raise SignInRefused(f"the identity provider cannot be reached ({error})") from None

    @property
    def OIDC_RP_CLIENT_ID(self):  # mozilla-django-oidc reads these names
        return self._provider.client_id

    @property
    def OIDC_RP_CLIENT_SECRET(self):
        return self._provider.client_secret

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self):
        return self._metadata().token_endpoint

    def authenticate(self, request, **kwargs):
        # Only the callback passes a nonce: a password sign-in whose URL happens to carry
        # ?code=&state= must not reach the provider.
        if "nonce" not in kwargs or provider() is None:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except requests.HTTPError as error:
            logger.warning("OIDC token request refused: %s", error)
            raise SignInRefused("the identity provider refused to exchange the sign-in code") from None
        except requests.RequestException as error:
            raise SignInRefused(f"the identity provider cannot be reached ({error})") from None

    def verify_token(self, token, **kwargs):
        if not isinstance(token, str):
            raise SignInRefused("the identity provider sent no ID token")
        config, meta = self._provider, self._metadata()
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            kid = None
        try:
            jwks = discovery.signing_keys(meta.jwks_uri, kid=kid if isinstance(kid, str) else None)
        except discovery.ProviderUnavailable as error:
            raise SignInRefused(f"the identity provider's keys cannot be read ({error})") from None
        try:
            return verify_id_token(
                token, jwks, issuer=config.issuer, audience=config.client_id, nonce=kwargs.get("nonce")
            )
        except TokenRefused as refused:
            logger.warning("OIDC ID token refused: %s", refused)
            raise SignInRefused(f"Sign-in refused: {refused}.") from None

    def store_tokens(self, access_token, id_token):
        # The ID token is the id_token_hint of the sign-out at the provider.
        self.request.session["oidc_id_token"] = id_token

    def get_or_create_user(self, access_token, id_token, payload):
        claims = dict(payload)
        meta = self._metadata()
        if meta.userinfo_endpoint and access_token:
            info = self._userinfo(meta.userinfo_endpoint, access_token)
            # OpenID Connect Core 5.3.2: userinfo of another subject is not this person's.
            if info.get("sub") != payload["sub"]:
                raise SignInRefused("Sign-in refused: the provider's user info names another person.")
            claims = {**info, **payload}
            if self._provider.groups_claim in info:
                claims[self._provider.groups_claim] = info[self._provider.groups_claim]
        user = user_for_claims(claims, issuer=payload["iss"])
        if self._provider.groups_claim:
            apply_group_roles(user, groups_in(claims, self._provider.groups_claim))
        return user

    def _userinfo(self, endpoint, access_token) -> dict:
        try:
            response = requests.get(
                endpoint,
                headers={"Authorization": f"Bearer {access_token}"},
                timeout=self.get_settings("OIDC_TIMEOUT", None),
                verify=self.get_settings("OIDC_VERIFY_SSL", True),
            )
            response.raise_for_status()
            info = response.json()
        except (requests.RequestException, ValueError) as error:
            raise SignInRefused(f"the identity provider's user info cannot be read ({error})") from None
        if not isinstance(info, dict):
            raise SignInRefused("the identity provider's user info is not a JSON object")
        return info
