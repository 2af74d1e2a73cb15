"""The production server as the image runs it: `check --deploy` is clean with production
variables; gunicorn with `devcenter.gunicorn` serves the pages, static files under hashed names
after `collectstatic`, an access log on stdout, and metrics summed over its worker processes."""

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from devcenter.settings import BASE_DIR

from .conftest import closed_port, database_url
from .metrics_text import samples, value

STRONG_KEY = "q8#n2v!x0k$e@7m^r4w&t9z*p1y(b6u)c3s-h5j+f=g_d?a%lo"


def production_env(tmp_path, **extra) -> dict:
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "SECRET_KEY": STRONG_KEY,
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        "ALLOWED_HOSTS": "devcenter.example.com,127.0.0.1",
        "SECURE_HSTS_PRELOAD": "0",
        "STATIC_HASHED_NAMES": "1",
        "STATIC_ROOT": str(tmp_path / "static"),
        "DEVCENTER_VAR_DIR": str(tmp_path / "var"),
        **extra,
    }


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=production_env(tmp_path), capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("value", ["two", "0"])
def test_a_bad_gunicorn_setting_stops_it_with_the_reason(value):
    result = subprocess.run([sys.executable, "-c", "import devcenter.gunicorn"], cwd=BASE_DIR, capture_output=True,
                            text=True, env={**os.environ, "GUNICORN_WORKERS": value}, timeout=30, check=False)
    assert result.returncode != 0
    assert "GUNICORN_WORKERS must be" in result.stderr


def get(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.django_db
def test_gunicorn_serves_pages_hashed_static_files_and_summed_metrics(tmp_path):
    port = closed_port()
    env = production_env(
        tmp_path, DATABASE_URL=database_url(), SECURE_SSL_REDIRECT="0", METRICS_TOKEN="scrape-token",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"), GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2", GUNICORN_THREADS="2",
    )
    collected = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=BASE_DIR,
                               env=env, capture_output=True, text=True, timeout=120, check=False)
    assert collected.returncode == 0, collected.stderr
    assert (tmp_path / "static" / "staticfiles.json").is_file()

    log = open(tmp_path / "gunicorn.log", "w+")  # noqa: SIM115 (read after the server stops)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "python:devcenter.gunicorn", "devcenter.wsgi"],
                              cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
            time.sleep(0.1)

        pages = 6
        for _ in range(pages):
            status, _, body = get(f"{base}/accounts/login/")
            assert status == 200
        stylesheet = re.search(rb'href="(/static/css/devcenter\.[0-9a-f]{12}\.css)"', body)
        assert stylesheet, "the page links the stylesheet under its hashed name"
        status, headers, _ = get(f"{base}{stylesheet.group(1).decode()}", **{"Accept-Encoding": "gzip"})
        assert status == 200 and "max-age=315360000" in headers["Cache-Control"]
        assert headers.get("Content-Encoding") == "gzip"

        status, _, text = get(f"{base}/metrics", Authorization="Bearer scrape-token")
        assert status == 200
        found = samples(text.decode())
        # However the two worker processes shared the six pages, the multiprocess collector adds them up.
        assert value(found, "devcenter_http_requests_total", view="login", status="200") == pages
        assert len(list((tmp_path / "metrics").glob("counter_*.db"))) >= 1
    finally:
        server.terminate()
        server.wait(timeout=30)
    access = (tmp_path / "gunicorn.log").read_text()
    assert re.search(r'"GET /accounts/login/ HTTP/1.1" 200 \d+ \d+ms', access), access[-2000:]
