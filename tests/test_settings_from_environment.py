"""Settings come from the environment, fail loudly on bad values, and are safe by default."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from devcenter.env import env_bool, env_int, env_labels, env_list
from devcenter.secret_key import DEVELOPMENT_KEY, secret_key_weakness

# What `get_random_secret_key()` gives: 50 characters, varied.
STRONG_KEY = "q8#n2v!x0k$e@7m^r4w&t9z*p1y(b6u)c3s-h5j+f=g_d?a%lo"


def load_settings(**env):
    """Import the settings module in a clean interpreter with exactly these variables."""
    return load_setting("DEBUG, s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.ALLOWED_HOSTS", **env)


def load_setting(expression, **env):
    """Print `s.<expression>` of the settings module loaded with exactly these variables."""
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    code = f"import django.conf, devcenter.settings as s; print(s.{expression})"
    return subprocess.run(
        [sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True, check=False
    )


def test_debug_is_off_by_default_and_then_secret_key_is_required():
    result = load_settings()
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_embedded_default_needs_only_debug(tmp_path):
    result = load_settings(DEBUG="1", DEVCENTER_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:3] == ["True", "django.db.backends.sqlite3", "filesystem://"]


def test_production_variables(tmp_path):
    result = load_settings(
        SECRET_KEY=STRONG_KEY,
        DATABASE_URL="postgres://u@db.example.com:5432/devcenter",
        REDIS_URL="redis://cache.example.com:6379/0",
        ALLOWED_HOSTS="devcenter.example.com",
        DEVCENTER_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert "False django.db.backends.postgresql redis://cache.example.com:6379/0" in result.stdout


def test_bad_boolean_fails_loudly(tmp_path):
    result = load_settings(DEBUG="maybe", DEVCENTER_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": "k" * 20 + "Production-Like-Secret-Key-0123456789-abcdef",
        "ALLOWED_HOSTS": "devcenter.example.com",
        "SECURE_SSL_REDIRECT": "1",
        "SECURE_HSTS_PRELOAD": "1",
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "DEVCENTER_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def check_deploy(tmp_path, **variables):
    env = {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": "devcenter.example.com",
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "DEVCENTER_VAR_DIR": str(tmp_path),
        **variables,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, check=False,
    )


def test_check_deploy_is_clean_once_hsts_preload_is_declined_on_purpose(tmp_path):
    """No SECURE_SSL_REDIRECT needed: it is on whenever DEBUG is off."""
    result = check_deploy(tmp_path, SECURE_HSTS_PRELOAD="0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_asks_for_an_hsts_preload_choice(tmp_path):
    result = check_deploy(tmp_path)
    assert result.returncode != 0
    assert "security.W021" in result.stdout + result.stderr
    assert "security.W008" not in result.stdout + result.stderr  # SSL redirect is on


def test_ssl_redirect_is_on_when_debug_is_off_and_off_with_debug(tmp_path):
    production = load_setting("SECURE_SSL_REDIRECT", SECRET_KEY=STRONG_KEY, DEVCENTER_VAR_DIR=str(tmp_path))
    assert production.stdout.strip() == "True", production.stderr
    debug = load_setting("SECURE_SSL_REDIRECT", DEBUG="1", DEVCENTER_VAR_DIR=str(tmp_path))
    assert debug.stdout.strip() == "False", debug.stderr
    chosen = load_setting("SECURE_SSL_REDIRECT", SECRET_KEY=STRONG_KEY, SECURE_SSL_REDIRECT="0",
                          DEVCENTER_VAR_DIR=str(tmp_path))
    assert chosen.stdout.strip() == "False", chosen.stderr


def test_hsts_preload_needs_a_year_of_hsts(tmp_path):
    result = load_setting("SECURE_HSTS_PRELOAD", SECRET_KEY=STRONG_KEY, SECURE_HSTS_PRELOAD="1",
                          SECURE_HSTS_SECONDS="3600", DEVCENTER_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECURE_HSTS_PRELOAD needs SECURE_HSTS_SECONDS of at least 31536000" in result.stderr


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("short-but-random-8fj3k2", "has 23 characters; at least 50 are required"),
        ("django-insecure-" + "a8f!k2@m9#x7$q4%w1^e6&r3*t5(y0)u" * 2, "a generated development key"),
        ("changeme" * 8, "known weak value ('changeme')"),
        ("SecretSecretSecretSecretSecretSecretSecretSecretSecret", "known weak value ('secret')"),
        ("ab" * 30, "fewer than 5 different characters"),
    ],
)
def test_weak_secret_key_stops_start_up_when_debug_is_off(tmp_path, key, why):
    result = load_settings(SECRET_KEY=key, DEVCENTER_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY" in result.stderr
    assert why in result.stderr
    assert "get_random_secret_key" in result.stderr  # says how to make a good one


def test_weak_secret_key_is_accepted_with_debug_on(tmp_path):
    result = load_settings(DEBUG="1", SECRET_KEY="changeme", DEVCENTER_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "key",
    [
        STRONG_KEY,
        "test-only-secret-key-not-for-production-use-0123456789",  # pyproject.toml (pytest)
        "bench-only-secret-key-not-for-production-0123456789",  # bench/__main__.py
    ],
)
def test_keys_the_repository_runs_with_are_strong_enough(key):
    assert secret_key_weakness(key) == ""


def test_the_development_key_would_be_refused_in_production():
    assert "known weak value" in secret_key_weakness(DEVELOPMENT_KEY)


def test_session_age_and_login_throttling_come_from_the_environment(tmp_path):
    result = load_setting(
        "SESSION_COOKIE_AGE, s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds()",
        DEBUG="1", SESSION_COOKIE_AGE="3600", LOGIN_FAILURE_LIMIT="3", LOGIN_LOCKOUT_MINUTES="30",
        DEVCENTER_VAR_DIR=str(tmp_path),
    )
    assert result.stdout.split() == ["3600", "3", "1800.0"], result.stderr
    defaults = load_setting("SESSION_COOKIE_AGE, s.AXES_FAILURE_LIMIT", DEBUG="1", DEVCENTER_VAR_DIR=str(tmp_path))
    assert defaults.stdout.split() == ["43200", "5"], defaults.stderr


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("true", True), ("ON", True), ("0", False), ("no", False)]
)
def test_env_bool(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG") is expected


def test_env_int_rejects_text_and_values_below_minimum(monkeypatch):
    monkeypatch.setenv("COUNT", "ten")
    with pytest.raises(ImproperlyConfigured, match="COUNT must be an integer"):
        env_int("COUNT", 1)
    monkeypatch.setenv("COUNT", "-1")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env_int("COUNT", 1, minimum=0)


def test_env_list(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example.com, ,b.example.com ")
    assert env_list("HOSTS") == ["a.example.com", "b.example.com"]


def test_env_labels(monkeypatch):
    assert env_labels("POD_LABELS", "app.kubernetes.io/name=ingress-nginx") == {
        "app.kubernetes.io/name": "ingress-nginx"}
    monkeypatch.setenv("POD_LABELS", " app=traefik , tier=edge,")
    assert env_labels("POD_LABELS") == {"app": "traefik", "tier": "edge"}
    monkeypatch.setenv("POD_LABELS", "")
    assert env_labels("POD_LABELS", "app=x") == {}  # set but empty: any pod
    for bad in ("app", "app=a b", "-app=x", "app=" + "x" * 64):
        monkeypatch.setenv("POD_LABELS", bad)
        with pytest.raises(ImproperlyConfigured, match="POD_LABELS must be Kubernetes labels"):
            env_labels("POD_LABELS")


def test_workspace_settings_come_from_the_environment(tmp_path):
    env = {"DEBUG": "1", "DEVCENTER_VAR_DIR": str(tmp_path), "WORKSPACE_INGRESS_NAMESPACE": "traefik",
           "WORKSPACE_INGRESS_POD_LABELS": "app.kubernetes.io/name=traefik", "SESSION_COOKIE_DOMAIN": ".example.com",
           "WORKSPACE_AUTH_URL": "http://devcenter.devcenter.svc/auth/workspace/"}
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    code = ("import devcenter.settings as s; print(s.WORKSPACE_INGRESS_NAMESPACE, s.WORKSPACE_INGRESS_POD_LABELS,"
            " s.SESSION_COOKIE_DOMAIN, s.WORKSPACE_AUTH_URL)")
    result = subprocess.run([sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["traefik", "{'app.kubernetes.io/name':", "'traefik'}", ".example.com",
                                     "http://devcenter.devcenter.svc/auth/workspace/"]
    bad = subprocess.run([sys.executable, "-c", code], env={**base, **env, "WORKSPACE_INGRESS_POD_LABELS": "x y"},
                         capture_output=True, text=True, check=False)
    assert bad.returncode != 0 and "WORKSPACE_INGRESS_POD_LABELS must be Kubernetes labels" in bad.stderr
