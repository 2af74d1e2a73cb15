"""Helpers for the operations tests: a Django process of its own with chosen variables."""

import json
import os
import socket
import subprocess
import sys

from django.db import connection

from devcenter.settings import BASE_DIR

REQUEST = """
import django, json
django.setup()
from django.test import Client
response = Client().get({path!r}, **{headers!r})
print(json.dumps({{"status": response.status_code, "body": response.content.decode()}}))
"""


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(name: str | None = None, port: int | None = None) -> str:
    """The test database (or `name`) as a DATABASE_URL, optionally on another port."""
    params = connection.settings_dict
    host, db_port = params["HOST"] or "127.0.0.1", port or params["PORT"] or 5432
    user = params["USER"] or "postgres"
    return f"postgres://{user}@{host}:{db_port}/{name or params['NAME']}"


def request_in_process(path: str, headers: dict | None = None, **env) -> tuple[int, str]:
    """GET `path` through Django's test client in a fresh interpreter with `env` on top of ours."""
    result = subprocess.run(
        [sys.executable, "-c", REQUEST.format(path=path, headers=headers or {})],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "devcenter.settings", **env},
        cwd=BASE_DIR, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    return answer["status"], answer["body"]
