"""RSA keys and ID tokens the tests make themselves."""

import json
import time

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_jwk(key, kid: str) -> dict:
    # No key_ops (PyJWT writes ["sign"]): the provider verifies its own tokens with it too.
    jwk = {**json.loads(RSAAlgorithm.to_jwk(key)), "kid": kid, "alg": "RS256", "use": "sig"}
    jwk.pop("key_ops", None)
    return jwk


def public_jwks(key, kid: str) -> dict:
    jwk = {**json.loads(RSAAlgorithm.to_jwk(key.public_key())), "kid": kid, "alg": "RS256", "use": "sig"}
    jwk.pop("key_ops", None)
    return {"keys": [jwk]}


def id_token(key, kid: str, *, algorithm="RS256", **claims) -> str:
    now = int(time.time())
    body = {"iat": now, "exp": now + 300, **claims}
    body = {name: value for name, value in body.items() if value is not None}
    return jwt.encode(body, key, algorithm=algorithm, headers={"kid": kid})
