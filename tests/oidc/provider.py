"""A real OpenID Provider (npm's oidc-provider, tests/oidc/provider.mjs) for the whole session,
and devcenter configured to sign in with it. The fixtures are made available to every test by
tests/conftest.py (one provider process, whichever folders run)."""

import json
import select
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils.csp import CSP

from sso import discovery
from tests.oidc.keys import private_jwk, rsa_key

REPO = Path(__file__).resolve().parents[2]
PROVIDER_SCRIPT = REPO / "tests" / "oidc" / "provider.mjs"
CLIENT_ID = "devcenter"
CLIENT_SECRET = "tests-only-client-secret"
SIGNING_KID = "tests-signing-key"
PASSWORD = "provider-password"


@dataclass
class OpenIdProvider:
    issuer: str
    signing_key: object
    accounts_file: Path

    def set_accounts(self, accounts: dict) -> None:
        """`{sub: claims}`: who may sign in (with PASSWORD) and what the provider says of them."""
        document = {sub: {"password": PASSWORD, "claims": claims} for sub, claims in accounts.items()}
        self.accounts_file.write_text(json.dumps(document))


@pytest.fixture(scope="session")
def openid_provider(live_server, tmp_path_factory):
    node = shutil.which("node")
    if node is None or not (REPO / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("the OpenID Provider needs Node.js and npm's oidc-provider: run bin/ensure-axe (make test does)")
    folder = tmp_path_factory.mktemp("openid-provider")
    signing_key = rsa_key()
    accounts_file = folder / "accounts.json"
    accounts_file.write_text("{}")
    config = {
        "client": {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": [f"{live_server.url}/oidc/callback/"],
            "post_logout_redirect_uris": [f"{live_server.url}/accounts/login/"],
        },
        "jwks": {"keys": [private_jwk(signing_key, SIGNING_KID)]},
        "accounts_file": str(accounts_file),
    }
    (folder / "config.json").write_text(json.dumps(config))
    with open(folder / "provider.log", "wb") as log:  # what the provider refused and why
        process = subprocess.Popen(
            [node, str(PROVIDER_SCRIPT), str(folder / "config.json")], stdout=subprocess.PIPE, stderr=log, cwd=REPO
        )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 30)
        line = process.stdout.readline() if ready else b""
        if not line:
            pytest.fail(f"the OpenID Provider did not start: {(folder / 'provider.log').read_text()[-2000:]}")
        yield OpenIdProvider(issuer=json.loads(line)["issuer"], signing_key=signing_key, accounts_file=accounts_file)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def sso_settings(settings, openid_provider):
    """devcenter signing in with the test provider, as the OIDC_* variables would configure it."""
    settings.OIDC_ISSUER = openid_provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_GROUPS_CLAIM = "groups"
    settings.OIDC_PROVIDER_NAME = "Test provider"
    settings.OIDC_RP_SCOPES = "openid email profile groups"
    # As settings.py adds the issuer for OIDC_ISSUER: the sign-out form goes on to the provider.
    settings.SECURE_CSP = {**settings.SECURE_CSP, "form-action": [CSP.SELF, openid_provider.issuer]}
    discovery.forget()
    yield settings
    discovery.forget()

