"""Fixtures for the task tests: kubesim over HTTP, a cluster row pointing at it, and a real
Celery worker (solo pool, in a thread) consuming from a Redis database of its own."""

import dataclasses
import os
import threading
import time

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections
from kubesim.testing import kubesim  # noqa: F401  (the fixture)

from devcenter.celery import app
from projects.models import Cluster, Project, Quota
from workloads.cluster.manifests import WorkloadSpec, build_manifests
from workloads.lifecycle.launch_spec import workload_spec
from workloads.models import Workload, WorkloadType
from workloads.status import WorkloadStatus

# Its own Redis database: flushing it never touches the cache (REDIS_URL) of other tests.
BROKER_URL = os.environ.get("DEVCENTER_TASKS_TEST_BROKER_URL", "redis://127.0.0.1:6379/14")
GIB = 1024**3


def configure_broker(
    visibility_timeout: int = 60, restore_interval: int = 1, url: str | None = None, **transport_options
) -> None:
    """Point the app (producer and worker) at `url` (BROKER_URL) with short recovery timings."""
    app.conf.broker_url = url or BROKER_URL
    app.conf.broker_transport_options = {
        "visibility_timeout": visibility_timeout,
        "unacked_restore_interval": restore_interval,
        "unacked_restore_throttle": 1,  # else only every 10th sweep scans Redis
        **transport_options,
    }
    app.conf.task_always_eager = False
    # Forget connections/producers made with earlier settings (they are not closed: a
    # closed pool is still referenced by kombu's producer registry).
    app._pool = None
    app.amqp._producer_pool = None


def flush_broker() -> None:
    redis.Redis.from_url(BROKER_URL).flushdb()


@task_postrun.connect
def _close_worker_connections(**kwargs):
    # The worker thread's DB connections would otherwise outlive the test database. (Tasks
    # run with .apply() in the test's own thread keep its connection and transaction.)
    if threading.current_thread() is not threading.main_thread():
        connections.close_all()


@pytest.fixture
def celery_worker(transactional_db):
    flush_broker()
    configure_broker()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker
    flush_broker()


def wait_for(predicate, timeout=20.0, interval=0.1, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


def ensure_namespace(sim, name):
    if sim.get("Namespace", "", name) is None:
        sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


@pytest.fixture
def sim(kubesim):  # noqa: F811
    for name in ("vision", "nlp"):
        ensure_namespace(kubesim.sim, name)
    return kubesim.sim


@pytest.fixture
def vision(db):
    return Project.objects.create(name="vision", display_name="Vision")


@pytest.fixture
def sim_cluster(db, kubesim, sim, vision):  # noqa: F811
    cluster = Cluster.objects.create(name="sim", api_url=kubesim.url, token=kubesim.token)
    Quota.objects.create(
        project=vision,
        cluster=cluster,
        namespace="vision",
        gpu=64,
        cpu_millicores=500_000,
        memory_bytes=2000 * GIB,
    )
    return cluster


def make_workload(cluster, project, *, name="train", type_=WorkloadType.TRAINING, **fields):
    values = {
        "project": project,
        "cluster": cluster,
        "name": name,
        "type": type_,
        "status": WorkloadStatus.ADDED,
        "namespace": "vision",
        "created_by_name": "dev",
        "requested_gpu": 1,
        "requested_cpu_millicores": 500,
        "requested_memory_bytes": GIB,
        "spec": {"image": "registry.example/train:1"},
    }
    values.update(fields)
    return Workload.objects.create(**values)


def spec_for(workload, **overrides) -> WorkloadSpec:
    """What a launch creates for `workload` (the product's own mapping), with test overrides."""
    spec = workload_spec(workload)
    overrides.setdefault("image", spec.image or "registry.example/train:1")
    return dataclasses.replace(spec, **overrides)


def run_in_cluster(sim, workload, **overrides) -> list[dict]:
    """Create the workload's objects directly in kubesim (as a launch would have)."""
    return [sim.create(manifest) for manifest in build_manifests(spec_for(workload, **overrides))]
