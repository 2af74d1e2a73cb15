"""Verifying an ID token (OpenID Connect Core 1.0, section 3.1.3.7): pure, no I/O.

mozilla-django-oidc checks the signature and the nonce only; devcenter also requires and checks
the issuer, the audience (and `azp` when several), the expiry and the issue time, and accepts
RS256 only: an `alg` of `none` or HS256 (a public key used as an HMAC secret) is refused before
any key is looked at.
"""

import jwt

ALGORITHMS = ("RS256",)
REQUIRED_CLAIMS = ("iss", "sub", "aud", "exp", "iat")
# Clocks of the provider and of devcenter may differ a little.
LEEWAY_SECONDS = 60


class TokenRefused(Exception):
    """The ID token is not one devcenter may trust; the message says why, for the person."""


def verify_id_token(token: str, jwks: dict, *, issuer: str, audience: str, nonce: str | None) -> dict:
    """The token's claims, once every check passed; raises TokenRefused otherwise."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise TokenRefused("the ID token is not a signed JWT") from None
    if header.get("alg") not in ALGORITHMS:
        raise TokenRefused(f"the ID token is signed with {header.get('alg')!r}, not RS256")
    key = _matching_key(jwks, header)
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=list(ALGORITHMS),
            audience=audience,
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": list(REQUIRED_CLAIMS)},
        )
    except jwt.ExpiredSignatureError:
        raise TokenRefused("the ID token has expired") from None
    except jwt.InvalidAudienceError:
        raise TokenRefused("the ID token was issued to another client") from None
    except jwt.InvalidIssuerError:
        raise TokenRefused("the ID token was issued by another provider") from None
    except jwt.InvalidSignatureError:
        raise TokenRefused("the ID token's signature does not match the provider's key") from None
    except jwt.ImmatureSignatureError:
        raise TokenRefused("the ID token is not valid yet") from None
    except jwt.MissingRequiredClaimError as error:
        raise TokenRefused(f"the ID token lacks the {error.claim!r} claim") from None
    except jwt.PyJWTError as error:
        raise TokenRefused(f"the ID token is invalid ({error})") from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != audience:
        raise TokenRefused("the ID token was issued for several clients, and not authorised for this one")
    if nonce is not None and claims.get("nonce") != nonce:
        raise TokenRefused("the ID token answers another sign-in (its nonce does not match)")
    if not isinstance(claims["sub"], str) or not claims["sub"]:
        raise TokenRefused("the ID token names no subject")
    return claims


def _matching_key(jwks: dict, header: dict):
    candidates = [
        key for key in jwks.get("keys", [])
        if isinstance(key, dict) and key.get("kty") == "RSA" and key.get("use", "sig") == "sig"
        and key.get("alg", header["alg"]) == header["alg"]
    ]
    kid = header.get("kid")
    if kid is not None:
        candidates = [key for key in candidates if key.get("kid") == kid]
    if len(candidates) != 1:
        raise TokenRefused("the ID token names no signing key the provider publishes")
    try:
        return jwt.PyJWK(candidates[0], algorithm=header["alg"]).key
    except jwt.PyJWTError:
        raise TokenRefused("the provider's signing key cannot be read") from None
