"""`manage.py probe worker|watcher` fails on a missing or stale heartbeat; a real Celery worker
beats from its event loop."""

import io
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.management import call_command
from django.core.management.base import CommandError

from devcenter import heartbeat
from devcenter.celery import app
from tests.tasks.conftest import configure_broker, flush_broker, wait_for


def probe(process, **options) -> str:
    out = io.StringIO()
    call_command("probe", process, stdout=out, **options)
    return out.getvalue()


def test_probe_fails_without_a_heartbeat(settings, tmp_path):
    settings.WORKER_HEARTBEAT_FILE = str(tmp_path / "worker.heartbeat")
    with pytest.raises(CommandError, match="worker: no heartbeat in"):
        probe("worker")


def test_probe_fails_on_a_stale_heartbeat_and_passes_on_a_fresh_one(settings, tmp_path):
    settings.WATCH_HEARTBEAT_FILE = path = str(tmp_path / "watch.heartbeat")
    settings.HEARTBEAT_STALE_SECONDS = 60
    (tmp_path / "watch.heartbeat").write_text(f"{time.time() - 90:.3f}\n")
    with pytest.raises(CommandError, match=r"watcher: last heartbeat 9\d s ago .*\(limit 60 s\)"):
        probe("watcher")
    heartbeat.beat(path)
    assert probe("watcher").startswith("watcher: alive")
    with pytest.raises(CommandError):
        probe("watcher", max_age=-1)


def test_the_probe_reads_no_database(settings, tmp_path, django_assert_num_queries, db):
    settings.WORKER_HEARTBEAT_FILE = path = str(tmp_path / "w.heartbeat")
    heartbeat.beat(path)
    with django_assert_num_queries(0):
        probe("worker")


@pytest.mark.celery
def test_a_running_worker_keeps_its_heartbeat_fresh(settings, tmp_path, transactional_db):
    settings.WORKER_HEARTBEAT_FILE = path = str(tmp_path / "worker.heartbeat")
    settings.WORKER_HEARTBEAT_SECONDS = 1
    flush_broker()
    configure_broker()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        first = wait_for(lambda: heartbeat.age(path) is not None and (tmp_path / "worker.heartbeat").read_text(),
                         message="the first heartbeat")
        wait_for(lambda: (tmp_path / "worker.heartbeat").read_text() != first, timeout=5, message="a second beat")
        assert probe("worker", max_age=3).startswith("worker: alive")
    flush_broker()
    last = (tmp_path / "worker.heartbeat").read_text()
    # Stopped: the file ages past two beat intervals unchanged, and the probe fails.
    wait_for(lambda: heartbeat.age(path) > 2.2, timeout=5, message="the heartbeat to age")
    assert (tmp_path / "worker.heartbeat").read_text() == last
    with pytest.raises(CommandError, match="last heartbeat"):
        probe("worker", max_age=2)
