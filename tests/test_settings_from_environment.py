"""Settings come from the environment, fail loudly on bad values, and are safe by default."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from devcenter.env import env_bool, env_int, env_labels, env_list


def load_settings(**env):
    """Import the settings module in a clean interpreter with exactly these variables."""
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    code = (
        "import django.conf, devcenter.settings as s;"
        "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.ALLOWED_HOSTS)"
    )
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
        SECRET_KEY="x" * 60,
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
