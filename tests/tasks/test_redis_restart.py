"""Redis restarts (no persistence: every queued message is lost) lose no delete and no launch.

A private `redis-server` on a free port plays the broker, so stopping it touches nothing else.
The database is the source of truth: a request made while Redis is down still succeeds (the
row says Deleting / Added), and `resend_lost_tasks` queues again what a restart lost.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone

from devcenter.celery import app
from projects.models import Membership, Role
from workloads import task_names
from workloads.lifecycle.delete_request import request_delete
from workloads.models import Component, StatusChange, Workload
from workloads.status import WorkloadStatus
from workloads.sync.refresh import refresh_cluster
from workloads.tasks import resend_lost_tasks

from .conftest import configure_broker, make_workload, run_in_cluster, wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


class PrivateRedis:
    """A throw-away redis-server without persistence, started and stopped at will."""

    def __init__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        wait_for(lambda: _pings(client), timeout=10, interval=0.05, message="redis-server to answer")
        return time.monotonic()

    def stop(self):
        """Kill it, as a crash would: whatever was queued is gone."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def queued(self, queue=task_names.LIFECYCLE_QUEUE) -> int:
        return redis.Redis(port=self.port).llen(queue)


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis.exceptions.ConnectionError:
        return False


@pytest.fixture
def broker():
    """A private Redis (stopped at first) that the app publishes to and workers consume from."""
    saved = (app.conf.broker_url, app.conf.broker_transport_options)
    server = PrivateRedis()
    configure_broker(url=server.url, socket_connect_timeout=2, socket_timeout=5)
    yield server
    server.stop()
    app.conf.broker_url, app.conf.broker_transport_options = saved
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def member_client(client, django_user_model, vision):
    user = django_user_model.objects.create_user(username="dev", password="x")
    Membership.objects.create(user=user, project=vision, role=Role.MEMBER)
    client.force_login(user)
    return client


@pytest.fixture
def running_workload(sim, sim_cluster, vision):
    workload = make_workload(sim_cluster, vision)
    run_in_cluster(sim, workload, pod_annotations={"kubesim.io/start-seconds": "1"})
    sim.advance(3)
    refresh_cluster(sim_cluster.id)
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.RUNNING
    return workload


def status_of(workload):
    return Workload.objects.values_list("status", flat=True).get(pk=workload.pk)


def resend_now(settings):
    """What the next beat run does once the threshold has passed (shortened to 1 s here)."""
    settings.TASK_RESEND_AFTER_SECONDS = 1
    time.sleep(1.1)
    return resend_lost_tasks()


def in_thread_worker():
    return start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10)


def test_delete_while_redis_is_down_succeeds_and_finishes_after_the_resend(
    broker, member_client, running_workload, sim, sim_cluster, settings
):
    started = time.monotonic()
    response = member_client.post(f"/p/vision/workloads/{running_workload.pk}/delete/")
    assert time.monotonic() - started < 3, "a dead broker must not hold the request"
    assert response.status_code == 303
    assert status_of(running_workload) == WorkloadStatus.DELETING
    assert StatusChange.objects.filter(workload=running_workload, to_status=WorkloadStatus.DELETING).exists()
    # Nothing is lost yet: not due for a resend while the send is recent.
    assert resend_lost_tasks() == {"delete": 0, "create": 0}
    # Due, but Redis is still down: nothing sent, and still due for the next run.
    assert resend_now(settings) == {"delete": 0, "create": 0}

    back_at = broker.start()
    with in_thread_worker():
        assert resend_lost_tasks() == {"delete": 1, "create": 0}
        wait_for(lambda: status_of(running_workload) == WorkloadStatus.DELETED, message="the resent delete")
    print(f"\nredis back -> Deleted: {time.monotonic() - back_at:.2f} s (threshold shortened to 1 s)")

    refresh_cluster(sim_cluster.id)
    running_workload.refresh_from_db()
    assert running_workload.status == WorkloadStatus.DELETED
    assert running_workload.delete_attempts == 1  # one run; the resend reset nothing
    assert all(sim.get(c.kind, c.namespace, c.name) is None for c in running_workload.components.all())


def test_a_bulk_delete_while_redis_is_down_waits_for_the_broker_once(broker, sim_cluster, vision):
    workloads = [make_workload(sim_cluster, vision, name=f"bulk-{i}") for i in range(20)]
    started = time.monotonic()
    queued = request_delete(Workload.objects.filter(pk__in=[w.pk for w in workloads]), by_username="dev")
    elapsed = time.monotonic() - started
    assert len(queued) == 20
    assert elapsed < 2, f"{elapsed:.2f} s: the first failed send should skip the others"
    assert Workload.objects.filter(pk__in=queued, status=WorkloadStatus.DELETING).count() == 20


LAUNCH = {
    "type": "training", "name": "launched-while-down", "cluster": "sim", "image": "registry.example/app:1",
    "command": "python main.py", "gpu": "1", "cpu": "0.5", "memory": "1", "model": "", "port": "",
    "workspace_flavour": "jupyterlab", "workers": "1",
}  # fmt: skip


def test_launch_while_redis_is_down_succeeds_and_is_created_after_the_resend(
    broker, member_client, sim, sim_cluster, settings
):
    response = member_client.post("/p/vision/workloads/launch/", LAUNCH)
    assert response.status_code == 302, response.content.decode()[-2000:]
    workload = Workload.objects.get(name="launched-while-down")
    assert workload.status == WorkloadStatus.ADDED

    back_at = broker.start()
    with in_thread_worker():
        assert resend_now(settings) == {"delete": 0, "create": 1}
        wait_for(lambda: status_of(workload) == WorkloadStatus.PENDING, message="the resent create")
    print(f"\nredis back -> created (Pending): {time.monotonic() - back_at:.2f} s (threshold 1 s)")
    components = list(Component.objects.filter(workload=workload))
    assert components and all(sim.get(c.kind, c.namespace, c.name) for c in components)
    workload.refresh_from_db()
    assert workload.create_attempts == 1


def test_a_delete_lost_in_a_redis_restart_is_resent(broker, running_workload, sim, sim_cluster, settings):
    broker.start()
    request_delete(Workload.objects.filter(pk=running_workload.pk), by_username="dev")
    assert broker.queued() == 1  # the message is in Redis, no worker has taken it

    broker.stop()  # Redis dies: the message with it
    back_at = broker.start()
    assert broker.queued() == 0
    with in_thread_worker():
        time.sleep(1)
        assert status_of(running_workload) == WorkloadStatus.DELETING  # nothing to consume
        assert resend_now(settings) == {"delete": 1, "create": 0}
        wait_for(lambda: status_of(running_workload) == WorkloadStatus.DELETED, message="the resent delete")
    print(f"\nlost message, redis back -> Deleted: {time.monotonic() - back_at:.2f} s (threshold 1 s)")
    # Done: the next beat run has nothing to send.
    assert resend_lost_tasks() == {"delete": 0, "create": 0}


def test_a_create_lost_in_a_redis_restart_is_resent_and_a_duplicate_is_harmless(
    broker, sim, sim_cluster, vision, settings
):
    broker.start()
    workload = make_workload(sim_cluster, vision, name="lost-create")
    from workloads.lifecycle.launch_request import enqueue_create

    with transaction.atomic():
        enqueue_create(workload.pk)
    assert broker.queued() == 1
    broker.stop()
    broker.start()
    with in_thread_worker():
        assert resend_now(settings) == {"delete": 0, "create": 1}
        wait_for(lambda: status_of(workload) == WorkloadStatus.PENDING, message="the resent create")
        count = Component.objects.filter(workload=workload).count()
        # A late duplicate (the lost message redelivered after all) changes nothing.
        from workloads.tasks import create_workload

        create_workload.delay(workload.pk)
        time.sleep(1)
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.PENDING
    assert workload.create_attempts == 1
    assert Component.objects.filter(workload=workload).count() == count


def test_a_resend_keeps_the_attempt_caps(broker, sim, sim_cluster, vision, settings):
    from workloads.tasks import _attempt_limit, create_workload, delete_workload

    old = timezone.now() - timedelta(hours=1)
    spent_create = make_workload(
        sim_cluster, vision, name="spent-create", create_attempts=_attempt_limit(create_workload), task_sent_at=old
    )
    spent_delete = make_workload(sim_cluster, vision, name="spent-delete")
    run_in_cluster(sim, spent_delete)
    refresh_cluster(sim_cluster.id)
    Workload.objects.filter(pk=spent_delete.pk).update(
        status=WorkloadStatus.DELETING, delete_requested_at=old,
        delete_attempts=_attempt_limit(delete_workload), task_sent_at=old,
    )  # fmt: skip
    broker.start()
    sim.requests.clear()
    with in_thread_worker():
        assert resend_lost_tasks() == {"delete": 1, "create": 1}
        wait_for(lambda: status_of(spent_create) == WorkloadStatus.FAILED, message="the create to give up")
        wait_for(lambda: status_of(spent_delete) == WorkloadStatus.DELETE_FAILED, message="the delete to give up")
    assert "gave up" in Workload.objects.get(pk=spent_create.pk).status_reason
    assert sim.requests.count("POST") == sim.requests.count("DELETE") == 0  # no more tries
    assert resend_lost_tasks() == {"delete": 0, "create": 0}


def start_subprocess_worker(broker_url):
    database = django_settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "REDIS_URL": broker_url,  # the product's own Celery settings (retry forever, ...)
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "devcenter", "worker", "--pool=solo", "--loglevel=WARNING",
         "--without-mingle", "--without-gossip"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def test_a_running_worker_survives_a_redis_restart(broker, sim, sim_cluster, vision):
    first = make_workload(sim_cluster, vision, name="before-restart")
    second = make_workload(sim_cluster, vision, name="after-restart")
    for workload in (first, second):
        run_in_cluster(sim, workload)
    refresh_cluster(sim_cluster.id)

    broker.start()
    worker = start_subprocess_worker(broker.url)
    try:
        request_delete(Workload.objects.filter(pk=first.pk), by_username="dev")
        wait_for(lambda: status_of(first) == WorkloadStatus.DELETED, timeout=30, message="the first delete")

        broker.stop()
        time.sleep(4)  # the worker loses its connection and keeps retrying
        back_at = broker.start()
        request_delete(Workload.objects.filter(pk=second.pk), by_username="dev")
        wait_for(
            lambda: status_of(second) == WorkloadStatus.DELETED,
            timeout=40,
            message="the worker to reconnect and run the delete sent after the restart",
        )
        print(f"\nredis back -> delete sent after it Deleted by the same worker: {time.monotonic() - back_at:.2f} s")
        assert worker.poll() is None
    finally:
        worker.terminate()
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(10)
