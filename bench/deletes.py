"""Measure the worker: a refresh and DELETES deletes through a real Celery worker, its peak RSS.

    DATABASE_URL=postgres://... BENCH_REDIS_URL=redis://127.0.0.1:6379/23 python -m bench.deletes 10000

Runs kubesim in-process with N running Training workloads (a Job and its pod each), starts
`celery -A devcenter worker` as the deploy does (its own process, prefork, both queues) on a
Redis database of the bench's own (BENCH_REDIS_URL, flushed first), then times: one refresh
sent as the beat sends it (every component new), and DELETES workloads deleted as a person
deletes them (`request_delete`: rows marked Deleting, one task each after commit) until all
are Deleted. Peak RSS (VmHWM) of the worker's processes is read before it stops. A
measurement, not a test: it asserts nothing.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.processes import database_url, peak_rss_mib, run_standalone

DELETES = int(os.environ.get("BENCH_DELETES", "1000"))
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
CONCURRENCY = int(os.environ.get("BENCH_WORKER_CONCURRENCY", "2"))  # as `make run` starts it
ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> None:
    run_standalone(__doc__, bench, argv)


def start_worker() -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": BENCH_REDIS_URL}
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "-A", "devcenter", "worker", "--loglevel", "WARNING",
         "--concurrency", str(CONCURRENCY), "--queues", "lifecycle,refresh", "--without-gossip",
         "--without-mingle", "--hostname", f"bench-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )


def stop_worker(worker: subprocess.Popen) -> str:
    worker.send_signal(signal.SIGTERM)
    try:
        _, errors = worker.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        _, errors = worker.communicate()
    return errors or ""


def point_app_at(url: str) -> None:
    """This process sends to the worker's broker (a fresh connection pool for the new URL)."""
    import redis

    from devcenter.celery import app

    redis.Redis.from_url(url).flushdb()  # the bench's own database: no stale messages of a killed run
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


def rss_summary(pid: int) -> str:
    peaks = peak_rss_mib(pid)
    children = [mib for child, mib in peaks.items() if child != pid]
    return (
        f"{max(children or [0]):.0f} MiB largest pool process, {peaks.get(pid, 0):.0f} MiB main"
        f" ({len(children)} pool processes)"
    )


def wait_until(predicate, timeout: float, interval: float = 0.1) -> float:
    started = time.perf_counter()
    while not predicate() and time.perf_counter() - started < timeout:
        time.sleep(interval)
    return time.perf_counter() - started


def bench(size: int, deletes: int = DELETES):
    from bench.refresh import simulated_cluster
    from projects.models import Cluster
    from workloads import task_names
    from workloads.lifecycle.delete_request import request_delete
    from workloads.lifecycle.queueing import send_each
    from workloads.models import Workload
    from workloads.status import WorkloadStatus

    point_app_at(BENCH_REDIS_URL)
    with simulated_cluster(size, run_seconds=3600) as (sim, cluster):
        worker = start_worker()
        errors = ""
        try:
            def refreshed():
                return Cluster.objects.filter(pk=cluster.pk, last_refreshed_at__isnull=False).exists()

            sent = time.perf_counter()
            send_each(task_names.REFRESH_CLUSTER, [(cluster.id,)])
            seconds = wait_until(refreshed, timeout=300)
            yield "refresh through the worker (all new)", f"{seconds:.2f} s (worker start included)"
            yield "worker peak RSS after it", rss_summary(worker.pid)

            ids = list(Workload.objects.filter(cluster=cluster).order_by("id").values_list("id", flat=True)[:deletes])
            sim.reset_requests()
            sent = time.perf_counter()
            queued = request_delete(Workload.objects.filter(id__in=ids), by_username="bench")
            done = Workload.objects.filter(id__in=ids, status=WorkloadStatus.DELETED)
            wait_until(lambda: done.count() == len(ids), timeout=180, interval=0.2)
            seconds = time.perf_counter() - sent
            yield (
                f"{len(queued):,} deletes queued -> all Deleted",
                f"{seconds:.1f} s ({done.count():,} Deleted, {len(ids) / seconds:.0f}/s,"
                f" {sim.requests.count(method='DELETE'):,} DELETE calls)",
            )
            yield f"worker peak RSS at {size:,} workloads, after the deletes", rss_summary(worker.pid)
        finally:
            errors = stop_worker(worker)
            if worker.returncode not in (0, -signal.SIGTERM):
                print(errors[-2000:], file=sys.stderr)


if __name__ == "__main__":
    main()
