"""/healthz answers without I/O; /readyz checks the database, migrations, cache and broker and
says which one fails and why; both before sessions, host checks and the HTTPS redirect."""

import json
import uuid

import psycopg
import pytest

from .conftest import closed_port, database_url, request_in_process

pytestmark = pytest.mark.django_db


def test_healthz_is_alive_without_any_query(client, django_assert_num_queries):
    client.cookies["sessionid"] = "a-session-key"  # answered before sessions: never looked up
    with django_assert_num_queries(0):
        response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")  # a pod IP: not in ALLOWED_HOSTS
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}
    assert response["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response and "sessionid" not in response.cookies


def test_probes_are_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301  # the rest of the site still is


def test_readyz_is_ready_when_everything_answers(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # SELECT 1; the migrations table (exists? rows) until applied
        response = client.get("/readyz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ready", "checked": ["database", "migrations", "cache", "broker"]}
    with django_assert_max_num_queries(1):  # migrations are not read again by this process
        assert client.get("/readyz").status_code == 200


def test_probes_refuse_other_methods(client):
    response = client.post("/readyz")
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"


def test_readyz_says_the_database_is_down():
    status, body = request_in_process("/readyz", DATABASE_URL=database_url(port=closed_port()))
    assert status == 503
    answer = json.loads(body)
    assert answer["status"] == "not ready"
    assert set(answer["failing"]) == {"database"}  # migrations not asked; cache and broker fine
    assert "OperationalError" in answer["failing"]["database"]


def test_readyz_says_the_broker_and_cache_are_down():
    status, body = request_in_process(
        "/readyz", DATABASE_URL=database_url(), REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0"
    )
    assert status == 503
    failing = json.loads(body)["failing"]
    assert set(failing) == {"broker", "cache"}
    assert "refused" in failing["broker"].lower() or "Error" in failing["broker"]


def test_readyz_says_migrations_are_missing():
    name = f"devcenter_unmigrated_{uuid.uuid4().hex[:8]}"  # other checkouts run this too, at once
    admin_url = database_url(name="postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    try:
        status, body = request_in_process("/readyz", DATABASE_URL=database_url(name=name))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    assert status == 503
    failing = json.loads(body)["failing"]
    assert set(failing) == {"migrations"}
    assert "not applied" in failing["migrations"] and "manage.py migrate" in failing["migrations"]
