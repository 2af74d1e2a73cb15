"""A worker killed in the middle of a delete leaves no workload stuck: the message comes back
(acks_late + visibility timeout) and another worker finishes the job."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from devcenter.celery import app
from workloads.lifecycle.delete_request import request_delete
from workloads.models import Workload
from workloads.status import WorkloadStatus
from workloads.sync.refresh import refresh_cluster

from .conftest import BROKER_URL, configure_broker, flush_broker, make_workload, run_in_cluster, wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def deletes(sim):
    return [r for r in sim.requests if r.method == "DELETE"]


def start_subprocess_worker():
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "REDIS_URL": BROKER_URL,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "devcenter",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_delete_is_redelivered_and_finished_after_the_worker_is_killed(sim, sim_cluster, vision):
    workload = make_workload(sim_cluster, vision)
    run_in_cluster(sim, workload, pod_annotations={"kubesim.io/start-seconds": "1"})
    sim.advance(3)
    refresh_cluster(sim_cluster.id)
    # The first DELETE hangs in the API server: the worker dies while waiting for it.
    sim.faults.add(method="DELETE", path=r"/jobs/", times=1, delay=6)

    flush_broker()
    configure_broker(visibility_timeout=3, restore_interval=1)
    worker = start_subprocess_worker()
    try:
        request_delete(Workload.objects.filter(pk=workload.pk), by_username="dev")
        wait_for(lambda: deletes(sim), timeout=60, message="the first worker to send its DELETE")
        assert Workload.objects.get(pk=workload.pk).delete_attempts == 1
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
    assert Workload.objects.get(pk=workload.pk).status == WorkloadStatus.DELETING

    # A second worker gets the unacknowledged message back once the visibility timeout passes.
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        wait_for(
            lambda: Workload.objects.get(pk=workload.pk).status == WorkloadStatus.DELETED,
            timeout=40,
            message="the redelivered delete to finish",
        )
    flush_broker()
    workload.refresh_from_db()
    assert workload.delete_attempts == 2
    assert len(deletes(sim)) == 2
