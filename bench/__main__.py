"""`make bench`: the Workloads page at 1M workloads (each case beside its floor) and cluster
refreshes, printed as tables and written to `bench/results.json`.

    make bench            # 1,000,000 workloads in project `bench` + 1,000,000 in 49 others
    make bench QUICK=1    # every case at 20,000 workloads, in CI, so the bench cannot rot
    make bench BENCH_ONLY=watch,deletes   # only some parts (pages, kubesim, refresh, watch, deletes)

PostgreSQL database `devcenter_bench` (BENCH_DATABASE_URL; QUICK uses `devcenter_bench_quick`),
created if missing and kept after the run with project `bench` and user `bench` for other tools.
Figures, not pass/fail: goals live here, not in timed tests.
"""

import json
import os
import platform
import subprocess
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

QUICK = os.environ.get("QUICK", "") not in ("", "0")
BENCH_DATABASE = os.environ.get(
    "BENCH_DATABASE_URL",
    "postgres://postgres@127.0.0.1:5432/" + ("devcenter_bench_quick" if QUICK else "devcenter_bench"),
)
BENCH_WORKLOADS = int(os.environ.get("BENCH_WORKLOADS", "20000" if QUICK else "1000000"))
REFRESH_SIZES = [1000] if QUICK else [1000, int(os.environ.get("BENCH_REFRESH_WORKLOADS", "10000"))]
RUNS = int(os.environ.get("BENCH_RUNS", "15" if QUICK else "25"))
RESULTS = Path(__file__).resolve().parent / "results.json"
CLUSTER_SIZE = REFRESH_SIZES[-1]  # workloads of the watcher's and the worker's cluster
# BENCH_ONLY=watch,deletes: only those parts (pages, kubesim, refresh, watch, deletes), to iterate fast.
PARTS = ("pages", "kubesim", "refresh", "watch", "deletes")
ONLY = {part.strip() for part in os.environ.get("BENCH_ONLY", "").split(",") if part.strip()}
if ONLY - set(PARTS):
    sys.exit(f"BENCH_ONLY: unknown part(s) {', '.join(sorted(ONLY - set(PARTS)))}; parts: {', '.join(PARTS)}")


def wanted(part: str) -> bool:
    return not ONLY or part in ONLY


def configure_django():
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    os.environ["DATABASE_URL"] = BENCH_DATABASE
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    os.environ.setdefault("DEVCENTER_VAR_DIR", "var/bench")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")  # the test client speaks http
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devcenter.settings")
    create_database_if_missing(BENCH_DATABASE)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def create_database_if_missing(url):
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def bench_refresh(sizes):
    """Refreshes of a kubesim cluster holding N workloads (a Job and its pod each)."""
    from bench.refresh import bench

    rows = []
    for size in sizes:
        for label, api_calls, event_lists, queries, seconds, cpu in bench(size):
            rows.append({"workloads": size, "refresh": label, "api_calls": api_calls, "event_lists": event_lists,
                         "queries": queries, "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2)})
    return rows


def print_table(title, header, rows):
    print(f"\n{title}")
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]
    print("  ".join(str(cell).ljust(width) for cell, width in zip(header, widths, strict=False)))
    print("  ".join("-" * width for width in widths))
    for row in rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)), flush=True)


def machine():
    return {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "cores": os.cpu_count(),
            "python": platform.python_version(), "platform": platform.platform(terse=True)}


def main():
    started = time.perf_counter()
    configure_django()
    from django.db import connection

    from bench.data import populate
    from bench.pages import bench_pages
    from workloads.models import Workload

    results = {"machine": machine(), "quick": QUICK, "runs": RUNS}
    results["machine"]["postgresql"] = connection.cursor().connection.info.server_version
    if wanted("pages"):
        project, user, inserted, seconds = populate(BENCH_WORKLOADS)
        total = Workload.objects.count()
        mine = Workload.objects.filter(project=project).count()
        print(f"workloads: {mine:,} in project 'bench', {total:,} in all ({inserted:,} inserted now in"
              f" {seconds:.1f} s)")
        pages, web_rss = bench_pages(project, user, mine, RUNS)
        results["pages"], results["web_peak_rss_mib"] = pages, web_rss
        print_table(
            f"Workloads page at {mine:,} workloads (server side, {RUNS} runs; floor = same rows, raw query + bare"
            " template)",
            ("case", "median", "p95", "queries", "HTML", "floor", "page/floor"),
            [(p["case"], f"{p['median_ms']} ms", f"{p['p95_ms']} ms", p["queries"], f"{p['html_bytes']:,} B",
              f"{p['floor_median_ms']} ms", f"{p['ratio']}x") for p in pages],
        )
        print(f"web process peak RSS during the page cases: {web_rss} MiB")

    if wanted("kubesim"):
        print("\nSimulated cluster (kubesim, its own process so its memory is its own)", flush=True)
        kubesim_args = ["--pods", "5000", "--selected", "1000", "--objects", "10000"] if QUICK else []
        subprocess.run([sys.executable, "-m", "kubesim.bench", *kubesim_args], check=True)  # noqa: S603

    if wanted("refresh"):
        refreshes = bench_refresh(REFRESH_SIZES)
        results["refresh"] = refreshes
        print_table("One cluster refresh (first: all new; steady: nothing changed; finished: all complete; "
                    "warnings: a tenth got a Warning Event)",
                    ("workloads", "refresh", "API calls", "of which event LISTs", "SQL queries", "wall time",
                     "CPU (kubesim's included)"),
                    [(f"{r['workloads']:,}", r["refresh"], r["api_calls"], r["event_lists"], r["queries"],
                      f"{r['seconds']} s", f"{r['cpu_seconds']} s") for r in refreshes])

    if wanted("watch") and not os.environ.get("BENCH_SKIP_WATCH"):
        if QUICK:  # fewer samples and a shorter idle window: QUICK must stay under 90 s in all
            os.environ.setdefault("WATCH_BENCH_SAMPLES", "10")
            os.environ.setdefault("WATCH_BENCH_IDLE_SECONDS", "3")
        from bench.watch import bench as bench_watch

        watch = list(bench_watch(CLUSTER_SIZE))
        results["watcher"] = [{"measure": measure, "figure": figure} for measure, figure in watch]
        print_table(f"The cluster watcher at {CLUSTER_SIZE:,} workloads", ("measure", "figure"), watch)

    if wanted("deletes"):
        from bench.deletes import DELETES
        from bench.deletes import bench as bench_deletes

        deletes = list(bench_deletes(CLUSTER_SIZE, min(DELETES, 100) if QUICK else DELETES))
        results["worker"] = [{"measure": measure, "figure": figure} for measure, figure in deletes]
        print_table(f"The Celery worker (its own process) at {CLUSTER_SIZE:,} workloads", ("measure", "figure"),
                    deletes)

    return finish(results, started)


def finish(results, started):
    results["seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}"
          f" in {results['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
