"""OIDC_* variables: complete or refused at start-up; the issuer joins the CSP's form-action."""

from tests.test_settings_from_environment import STRONG_KEY, load_setting

EXPRESSION = "SECURE_CSP['form-action'], s.OIDC_ISSUER, s.OIDC_RP_CLIENT_ID"


def test_unset_means_local_accounts_only(tmp_path):
    result = load_setting(
        "SECURE_CSP['form-action'] == [\"'self'\"], s.OIDC_ISSUER == ''", SECRET_KEY=STRONG_KEY,
        DEVCENTER_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]


def test_a_configured_provider_may_receive_the_sign_out_form(tmp_path):
    result = load_setting(
        EXPRESSION, SECRET_KEY=STRONG_KEY, DEVCENTER_VAR_DIR=str(tmp_path),
        OIDC_ISSUER="https://sso.example.com/realms/devcenter", OIDC_CLIENT_ID="devcenter", OIDC_CLIENT_SECRET="s",
    )
    assert result.returncode == 0, result.stderr
    assert "'https://sso.example.com']" in result.stdout and "devcenter" in result.stdout


def test_incomplete_or_plain_http_configurations_stop_start_up(tmp_path):
    base = {"SECRET_KEY": STRONG_KEY, "DEVCENTER_VAR_DIR": str(tmp_path)}
    missing_secret = load_setting(EXPRESSION, **base, OIDC_ISSUER="https://sso.example.com", OIDC_CLIENT_ID="d")
    assert missing_secret.returncode != 0 and "needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET" in missing_secret.stderr
    no_issuer = load_setting(EXPRESSION, **base, OIDC_CLIENT_ID="d")
    assert no_issuer.returncode != 0 and "need OIDC_ISSUER" in no_issuer.stderr
    plain = load_setting(EXPRESSION, **base, OIDC_ISSUER="http://sso.example.com", OIDC_CLIENT_ID="d", OIDC_CLIENT_SECRET="s")
    assert plain.returncode != 0 and "must be an https:// URL" in plain.stderr
