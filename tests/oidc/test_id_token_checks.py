"""Every kind of tampered ID token is refused by devcenter's verification, against keys made here."""

import base64
import hashlib
import hmac
import json

import pytest

from sso.id_token import TokenRefused, verify_id_token
from tests.oidc.keys import id_token, public_jwks, rsa_key

ISSUER = "https://sso.example.com/realms/devcenter"
CLIENT = "devcenter"
KID = "provider-key"
PROVIDER_KEY = rsa_key()
JWKS = public_jwks(PROVIDER_KEY, KID)
GOOD = {"iss": ISSUER, "aud": CLIENT, "sub": "alice", "nonce": "n-123"}


def verify(token, nonce="n-123"):
    return verify_id_token(token, JWKS, issuer=ISSUER, audience=CLIENT, nonce=nonce)


def test_a_genuine_token_gives_its_claims():
    assert verify(id_token(PROVIDER_KEY, KID, **GOOD))["sub"] == "alice"


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (lambda: id_token(rsa_key(), KID, **GOOD), "signature does not match"),
        (lambda: id_token(PROVIDER_KEY, KID, **{**GOOD, "aud": "another-client"}), "issued to another client"),
        (lambda: id_token(PROVIDER_KEY, KID, **{**GOOD, "iss": "https://evil.example.com"}), "another provider"),
        (lambda: id_token(PROVIDER_KEY, KID, **GOOD, exp=1_000_000_000, iat=999_999_000), "has expired"),
        (lambda: id_token(PROVIDER_KEY, KID, **{**GOOD, "nonce": "attackers"}), "nonce does not match"),
        (lambda: id_token(PROVIDER_KEY, KID, **{**GOOD, "nonce": None}), "nonce does not match"),
        (lambda: id_token(PROVIDER_KEY, KID, **{**GOOD, "sub": None}), "lacks the 'sub' claim"),
        (lambda: id_token(PROVIDER_KEY, KID, **GOOD, exp=None), "lacks the 'exp' claim"),
        (lambda: id_token(PROVIDER_KEY, "unknown-kid", **GOOD), "no signing key"),
        (lambda: id_token(PROVIDER_KEY, KID, **{**GOOD, "aud": [CLIENT, "other"]}), "several clients"),
        (lambda: "not-a-jwt", "not a signed JWT"),
    ],
    ids=["bad-signature", "wrong-aud", "wrong-iss", "expired", "wrong-nonce", "no-nonce", "no-sub",
         "no-exp", "unknown-key", "several-audiences-no-azp", "garbage"],
)
def test_tampered_tokens_are_refused(token, reason):
    with pytest.raises(TokenRefused, match=reason):
        verify(token())


def test_alg_none_is_refused_before_any_key():
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "kid": KID}).encode()).rstrip(b"=")
    body = base64.urlsafe_b64encode(json.dumps(GOOD).encode()).rstrip(b"=")
    with pytest.raises(TokenRefused, match="'none', not RS256"):
        verify(f"{header.decode()}.{body.decode()}.")


def test_the_public_key_used_as_an_hmac_secret_is_refused():
    """Algorithm confusion: HS256 signed with the provider's public key as the shared secret."""
    # Signed by hand: PyJWT itself refuses to use a key that looks like one as an HMAC secret.
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    secret = json.dumps(JWKS["keys"][0]).encode()
    signing_input = f"{part({'alg': 'HS256', 'kid': KID})}.{part({**GOOD, 'exp': 9_999_999_999, 'iat': 1})}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    with pytest.raises(TokenRefused, match="'HS256', not RS256"):
        verify(token)


def test_several_audiences_are_accepted_when_authorised_for_us():
    assert verify(id_token(PROVIDER_KEY, KID, **{**GOOD, "aud": [CLIENT, "other"], "azp": CLIENT}))["sub"] == "alice"
