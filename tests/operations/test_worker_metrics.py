"""A prefork Celery worker (its own process, as in the worker pod) counts task outcomes in each
pool process and serves their sum on METRICS_PORT; it beats its heartbeat file meanwhile."""

import os
import subprocess
import sys
import urllib.request

import pytest

from devcenter import heartbeat
from devcenter.celery import app
from devcenter.settings import BASE_DIR
from tests.tasks.conftest import BROKER_URL, configure_broker, flush_broker, wait_for
from workloads import task_names

from .conftest import closed_port, database_url
from .metrics_text import samples, value

pytestmark = [pytest.mark.celery, pytest.mark.django_db]


def scrape(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return samples(response.read().decode())


def test_the_worker_serves_task_outcomes_summed_over_its_pool(tmp_path):
    flush_broker()
    configure_broker()
    port = closed_port()
    env = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": BROKER_URL, "METRICS_PORT": str(port),
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"), "WORKER_HEARTBEAT_SECONDS": "1",
           "WORKER_HEARTBEAT_FILE": str(tmp_path / "worker.heartbeat")}
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "counter_99999.db").write_bytes(b"left by a dead container")  # emptied at start
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "devcenter", "worker", "--pool", "prefork", "--concurrency", "2",
         "-Q", ",".join(task_names.QUEUES), "--loglevel", "INFO", "--without-gossip", "--without-mingle"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        def serving():
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
            try:
                scrape(port)  # empty until a task ran: nothing counted yet
            except OSError:
                return False
            return True

        wait_for(serving, timeout=60, message="the worker's metrics port")
        assert not (tmp_path / "metrics" / "counter_99999.db").exists()
        for _ in range(4):
            app.send_task(task_names.FAIL_STUCK_DELETES)

        def four_counted():
            found = scrape(port)
            done = value(found, "devcenter_task_outcomes_total", task=task_names.FAIL_STUCK_DELETES, outcome="SUCCESS")
            return done == 4

        wait_for(four_counted, timeout=30, message="four task outcomes on the metrics port")
        assert heartbeat.age(tmp_path / "worker.heartbeat") < 3
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        flush_broker()
