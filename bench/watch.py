"""Measure the cluster watcher: change-to-stored latency, LIST calls while idle, a resync.

    DATABASE_URL=postgres://... python -m bench.watch 10000

Runs kubesim in-process with N running Training workloads (a Job and its pod each; rows
brought up to date by one refresh first), starts the watcher (`workloads.sync.watcher`) in a
thread and times: its start (every kind listed, the first full batch written); LIST calls
during 10 idle seconds; one pod at a time going into CrashLoopBackOff until its workload is
stored Failed (p50/p95 over SAMPLES changes); a burst of BURST such changes at once; and a
periodic refresh (the resync) with nothing changed. A measurement, not a test.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.processes import run_standalone

SAMPLES = int(os.environ.get("WATCH_BENCH_SAMPLES", "30"))
BURST = int(os.environ.get("WATCH_BENCH_BURST", "200"))
IDLE_SECONDS = float(os.environ.get("WATCH_BENCH_IDLE_SECONDS", "10"))
ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> None:
    run_standalone(__doc__, bench, argv)


# Sample i's pod runs FIRST_END + SPACING * i simulated seconds, the burst's together after them;
# every other one runs for an hour. The clock moves only when the bench moves it.
FIRST_END = 20
SPACING = 2


def run_seconds(index: int) -> int:
    if index < SAMPLES:
        return FIRST_END + SPACING * index
    if index < SAMPLES + BURST:
        return FIRST_END + SPACING * (SAMPLES + 1)
    return 3600


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def bench(size: int):
    from bench.refresh import simulated_cluster
    from workloads.models import Component, Workload
    from workloads.status import WorkloadStatus
    from workloads.sync.refresh import refresh_cluster
    from workloads.sync.watcher import Watcher

    with simulated_cluster(size, run_seconds=run_seconds) as (sim, cluster):
        assert refresh_cluster(cluster.id).reachable
        ids = sorted(Workload.objects.filter(cluster=cluster).values_list("id", flat=True))
        samples, burst = ids[:SAMPLES], ids[SAMPLES : SAMPLES + BURST]
        heartbeat = os.path.join(tempfile.gettempdir(), f"devcenter-bench-watch-{os.getpid()}.heartbeat")
        watcher = Watcher(heartbeat_file=heartbeat)
        started = time.perf_counter()
        thread = threading.Thread(target=watcher.run, name="bench-watcher", daemon=True)
        thread.start()
        try:
            while not ((w := watcher.watches.get(cluster.id)) and w.synced and not w.cache.pending()
                       and not w.events.pending()):
                time.sleep(0.05)
            watch = watcher.watches[cluster.id]
            time.sleep(watcher.batch_seconds * 2)  # the first batch is taken, then written
            yield "watcher start (LIST every kind and the Events + full batch)", f"{time.perf_counter() - started:.2f} s"
            yield "objects in its cache", f"{len(watch.cache):,} (and {len(watch.events):,} Warning Events)"

            sim.reset_requests()
            time.sleep(IDLE_SECONDS)
            lists = [r for r in sim.requests if r.method == "GET" and not r.is_watch]
            yield f"LIST calls in {IDLE_SECONDS:.0f} s idle", f"{len(lists)} ({len(sim.requests)} requests in all)"

            jobs = dict(
                Component.objects.filter(workload_id__in=samples + burst, kind="Job").values_list("workload_id", "name")
            )

            def succeeded(workload_id) -> bool:
                return bool((sim.get("Job", "bench", jobs[workload_id]) or {}).get("status", {}).get("succeeded"))

            def stored(workload_ids) -> int:
                return Workload.objects.filter(id__in=workload_ids, status=WorkloadStatus.COMPLETE).count()

            latencies = []
            for workload_id in samples:
                while not succeeded(workload_id):  # move the clock until its pod has ended
                    changed = time.perf_counter()
                    sim.advance(1)
                while not stored([workload_id]) and time.perf_counter() - changed < 30:
                    time.sleep(0.01)
                latencies.append(time.perf_counter() - changed)
            yield (
                f"change -> stored, one at a time (n={len(latencies)})",
                f"p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {percentile(latencies, 0.95) * 1000:.0f} ms,"
                f" max {max(latencies) * 1000:.0f} ms (from the clock's move: kubesim's own work included)",
            )

            while not all(succeeded(workload_id) for workload_id in burst):
                changed = time.perf_counter()
                sim.advance(1)
            while stored(burst) < len(burst) and time.perf_counter() - changed < 120:
                time.sleep(0.02)
            yield (
                f"burst of {len(burst)} changes -> all stored",
                f"{time.perf_counter() - changed:.2f} s ({stored(burst)} stored)",
            )

            time.sleep(1)
            skipped = 0
            while True:  # the watcher may hold the cluster's lock for a batch: as beat, try again
                sim.reset_requests()
                resync_started = time.perf_counter()
                result = refresh_cluster(cluster.id)
                if not result.skipped or skipped >= 20:
                    break
                skipped += 1
                time.sleep(0.1)
            yield (
                "resync (full refresh), nothing changed",
                f"{time.perf_counter() - resync_started:.2f} s, {len(sim.requests)} API calls, "
                f"{result.components_written} writes ({skipped} tries skipped: the watcher held the lock)",
            )
        finally:
            watcher.stop()
            thread.join(10)
        yield "watcher process peak RSS (manage.py watch_clusters)", watcher_process_rss(
            sim, served=sum(1 for informer in watch.informers if informer.resource_version)
        )


def watcher_process_rss(sim, served: int) -> str:
    """Peak RSS of `manage.py watch_clusters` run as the deploy runs it, on the same cluster:
    started, every kind the cluster serves (`served` of them) listed and watched, its first
    (full) batch written: its RSS steady for 2 s."""
    from bench.processes import database_url, peak_rss_mib

    sim.reset_requests()
    heartbeat = os.path.join(tempfile.gettempdir(), f"devcenter-bench-watch-{os.getpid()}.process.heartbeat")
    env = {**os.environ, "DATABASE_URL": database_url(), "WATCH_HEARTBEAT_FILE": heartbeat}
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "watch_clusters"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        started = time.perf_counter()
        while len([r for r in sim.requests if r.is_watch]) < served and time.perf_counter() - started < 120:
            time.sleep(0.1)
        peak, steady_since = 0.0, time.perf_counter()
        while time.perf_counter() - steady_since < 2 and time.perf_counter() - started < 180:
            now = peak_rss_mib(process.pid).get(process.pid, 0.0)
            if now > peak:
                peak, steady_since = now, time.perf_counter()
            time.sleep(0.2)
        return f"{peak:.0f} MiB ({time.perf_counter() - started:.1f} s to steady)"
    finally:
        process.terminate()
        process.wait(30)


if __name__ == "__main__":
    main()
