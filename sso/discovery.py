"""What the provider publishes: its OpenID configuration and its signing keys, cached per process.

The configuration is read at first use (not at start-up: a provider that is down must not stop
local sign-ins) and kept for OIDC_DISCOVERY_CACHE_SECONDS. The key set is kept too and read
again when a token names a key it does not hold (the provider rotated its keys), at most once
per JWKS_REFETCH_SECONDS so forged `kid`s cannot make us hammer the provider.
"""

import threading
import time
from dataclasses import dataclass

import requests
from django.conf import settings

JWKS_REFETCH_SECONDS = 60
REQUIRED_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")


class ProviderUnavailable(Exception):
    """The provider could not be read, or published something unusable."""


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str
    end_session_endpoint: str


_lock = threading.Lock()
_metadata: dict[str, tuple[float, ProviderMetadata]] = {}
_keys: dict[str, tuple[float, dict]] = {}


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT, verify=settings.OIDC_VERIFY_SSL)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(f"could not read {url}: {error}") from None
    if not isinstance(document, dict):
        raise ProviderUnavailable(f"{url} did not answer a JSON object")
    return document


def metadata(issuer: str) -> ProviderMetadata:
    now = time.monotonic()
    with _lock:
        cached = _metadata.get(issuer)
        if cached and now - cached[0] < settings.OIDC_DISCOVERY_CACHE_SECONDS:
            return cached[1]
    document = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    # OpenID Connect Discovery 1.0, section 4.3: the issuer it names must be the one we asked.
    if document.get("issuer") != issuer:
        raise ProviderUnavailable(f"the provider calls itself {document.get('issuer')!r}, not {issuer!r}")
    missing = [name for name in REQUIRED_ENDPOINTS if not isinstance(document.get(name), str)]
    if missing:
        raise ProviderUnavailable(f"the provider's configuration lacks {', '.join(missing)}")
    found = ProviderMetadata(
        issuer=issuer,
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"],
        jwks_uri=document["jwks_uri"],
        userinfo_endpoint=str(document.get("userinfo_endpoint") or ""),
        end_session_endpoint=str(document.get("end_session_endpoint") or ""),
    )
    with _lock:
        _metadata[issuer] = (now, found)
    return found


def signing_keys(jwks_uri: str, *, kid: str | None = None) -> dict:
    """The provider's JSON Web Key Set; read again if `kid` is not in the cached one."""
    now = time.monotonic()
    with _lock:
        cached = _keys.get(jwks_uri)
    if cached:
        fetched_at, jwks = cached
        known = any(key.get("kid") == kid for key in jwks.get("keys", [])) if kid else True
        if known or now - fetched_at < JWKS_REFETCH_SECONDS:
            return jwks
    jwks = _get_json(jwks_uri)
    if not isinstance(jwks.get("keys"), list):
        raise ProviderUnavailable(f"{jwks_uri} holds no key set")
    with _lock:
        _keys[jwks_uri] = (now, jwks)
    return jwks


def forget() -> None:
    """Drop what was cached (tests; a changed provider)."""
    with _lock:
        _metadata.clear()
        _keys.clear()
