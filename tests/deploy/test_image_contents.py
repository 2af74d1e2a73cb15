"""bin/build-image-contents, the Dockerfile's only build step, run here outside a container:
the product without its tooling, its dependencies, static files under hashed names, bytecode,
and a tree that starts (`check --deploy`, the probe command) on its own."""

import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from devcenter.settings import BASE_DIR

STRONG_KEY = "q8#n2v!x0k$e@7m^r4w&t9z*p1y(b6u)c3s-h5j+f=g_d?a%lo"


def tool(name: str) -> str:
    result = subprocess.run([str(BASE_DIR / "bin" / name)], capture_output=True, text=True, check=False)
    if result.returncode:
        pytest.skip(f"bin/{name}: {result.stderr.strip()}")
    return result.stdout.strip()


@pytest.fixture(scope="module")
def image():
    # Removed at once afterwards (about 250 MB): pytest would keep its temporary directories.
    with tempfile.TemporaryDirectory(prefix="devcenter-image-") as workdir:
        dest = Path(workdir) / "opt-devcenter"
        env = {**os.environ, "PYTHON": tool("find-python"), "UV": tool("ensure-uv")}
        result = subprocess.run([str(BASE_DIR / "bin" / "build-image-contents"), str(dest)], env=env,
                                capture_output=True, text=True, timeout=300, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        yield dest


def test_the_dockerfile_runs_the_script_and_nothing_else(image):
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    runs = [line for line in dockerfile.splitlines() if line.startswith("RUN ")]
    assert runs[0] == "RUN PYTHON=python3 bin/build-image-contents /opt/devcenter"
    assert [line for line in runs[1:] if "build-image-contents" in line or "pip" in line] == []
    assert "ARG PYTHON_IMAGE=python:3.12-slim-bookworm@sha256:" in dockerfile
    assert "USER 10001:10001" in dockerfile


def test_only_the_product_is_shipped(image):
    shipped = {path.name for path in (image / "app").iterdir() if path.name != "__pycache__"}
    assert shipped == {"manage.py", "pyproject.toml", "devcenter", "projects", "workloads", "sso", "templates",
                       "static"}
    python = image / "venv" / "bin" / "python"
    check = "import django, gunicorn, prometheus_client, psycopg, kubernetes, celery, whitenoise"
    assert subprocess.run([python, "-c", check], capture_output=True, check=False).returncode == 0
    for tooling in ("kubesim", "demo", "bench", "pytest", "playwright"):
        found = subprocess.run([python, "-c", f"import {tooling}"], cwd=image / "app", capture_output=True, check=False)
        assert found.returncode != 0, f"{tooling} is in the image"


def test_static_files_are_hashed_and_compressed_and_code_is_compiled(image):
    manifest = json.loads((image / "static" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/devcenter.css"]
    assert hashed != "css/devcenter.css" and (image / "static" / hashed).is_file()
    assert (image / "static" / f"{hashed}.gz").is_file()
    assert list((image / "app" / "workloads" / "__pycache__").glob("models.*.pyc"))


def test_the_tree_starts_on_its_own(image, tmp_path):
    env = {
        "PATH": f"{image / 'venv' / 'bin'}:{os.environ['PATH']}",
        "SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "devcenter.example.com", "SECURE_HSTS_PRELOAD": "0",
        "DATABASE_URL": "postgres://devcenter@db.example.com:5432/devcenter", "REDIS_URL": "redis://redis:6379/0",
        "STATIC_HASHED_NAMES": "1", "STATIC_ROOT": str(image / "static"), "DEVCENTER_VAR_DIR": str(tmp_path),
        "WORKER_HEARTBEAT_FILE": str(tmp_path / "worker.heartbeat"),
    }
    check = subprocess.run(["python", "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=image / "app",
                           env=env, capture_output=True, text=True, timeout=120, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    probe = subprocess.run(["python", "manage.py", "probe", "worker"], cwd=image / "app", env=env,
                           capture_output=True, text=True, timeout=60, check=False)
    assert probe.returncode == 1 and "no heartbeat" in probe.stderr
