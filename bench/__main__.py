"""`make bench`: the Workloads page at 1M workloads and a 10k-workload refresh, as a table of figures.

Runs against PostgreSQL (BENCH_DATABASE_URL, default the machine's `devcenter_bench` database,
created if missing) and an in-process kubesim. Figures, not pass/fail: goals live here, not in
timed tests.
"""

import os
import statistics
import subprocess
import sys
import time
import warnings

BENCH_DATABASE = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/devcenter_bench")
BENCH_WORKLOADS = int(os.environ.get("BENCH_WORKLOADS", "1000000"))
BENCH_REFRESH_WORKLOADS = int(os.environ.get("BENCH_REFRESH_WORKLOADS", "10000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))


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


def populate(total):
    """Fill project `bench` with `total` workloads in one INSERT ... SELECT (idempotent by count)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from projects.models import Cluster, Membership, Project, Quota, Role
    from workloads.models import Workload, WorkloadType
    from workloads.status import WorkloadStatus

    user, _ = get_user_model().objects.get_or_create(username="bench")
    project, _ = Project.objects.get_or_create(name="bench", defaults={"display_name": "Bench"})
    Membership.objects.get_or_create(user=user, project=project, defaults={"role": Role.ADMIN})
    cluster, _ = Cluster.objects.get_or_create(
        name="bench", defaults={"api_url": "http://127.0.0.1:9", "capacity_gpu": 10**6,
                                "capacity_cpu_millicores": 10**9, "capacity_memory_bytes": 10**15},
    )
    Quota.objects.get_or_create(project=project, cluster=cluster,
                                defaults={"gpu": 10**6, "cpu_millicores": 10**9, "memory_bytes": 10**15})
    have = Workload.objects.filter(project=project).count()
    if have >= total:
        return project, user, 0
    started = time.perf_counter()
    types = list(WorkloadType.values)
    statuses = list(WorkloadStatus.values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Workload._meta.db_table}
              (project_id, cluster_id, name, type, status, status_reason, status_refreshed_at,
               status_changed_at, requested_gpu, requested_cpu_millicores, requested_memory_bytes,
               namespace, workspace_url, spec, external_key, created_by_id, created_by_name, created_at,
               delete_attempts)
            SELECT %s, %s, 'bench-' || i, (%s::text[])[1 + i %% %s], (%s::text[])[1 + (i / 7) %% %s],
                   '', now(), now(), i %% 4, 1000 * (1 + i %% 16), (1 + i %% 64)::bigint * 1073741824,
                   'bench', '', '{{}}'::jsonb, '', %s, 'bench',
                   now() - make_interval(secs => (i / 3)), 0
            FROM generate_series(%s, %s) AS i
            """,  # noqa: S608 - the table name comes from the model; values are parameters
            [project.id, cluster.id, types, len(types), statuses, len(statuses), user.id, have + 1, total],
        )
        cursor.execute(f"ANALYZE {Workload._meta.db_table}")
    return project, user, time.perf_counter() - started


def measure_page(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
    return statistics.median(timings), len(queries.captured_queries), sql_ms


def bench_pages(project, user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    base = f"/p/{project.name}/workloads/"
    cases = [
        ("first page (default filter)", base),
        ("page 200", base + "?page=200"),
        ("page 10000 (offset 250k)", base + "?page=10000"),
        ("status=running", base + "?status=running"),
        ("type=workspace&type=inference", base + "?type=workspace&type=inference"),
        ("name contains 'bench-9999'", base + "?name=bench-9999"),
        ("sort=name", base + "?sort=name"),
        ("per_page=100", base + "?per_page=100"),
        ("htmx fragment", base + "?status=failed"),
    ]
    rows = []
    for label, url in cases:
        headers = {"HTTP_HX_REQUEST": "true"} if label == "htmx fragment" else {}
        if headers:
            client.defaults.update(headers)
        median_ms, queries, sql_ms = measure_page(client, url)
        client.defaults.pop("HTTP_HX_REQUEST", None)
        rows.append((label, f"{median_ms:.0f} ms", queries, f"{sql_ms:.0f} ms"))
    return rows


def bench_refresh(sizes):
    """Refreshes of a kubesim cluster holding N workloads (a Job and its pod each)."""
    from bench.refresh import bench

    rows = []
    for size in sizes:
        for label, api_calls, queries, seconds in bench(size):
            rows.append((f"{size:,}", label, api_calls, queries, f"{seconds:.2f} s"))
    return rows


def print_table(title, header, rows):
    print(f"\n{title}")
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]
    print("  ".join(str(cell).ljust(width) for cell, width in zip(header, widths, strict=False)))
    print("  ".join("-" * width for width in widths))
    for row in rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)))


def main():
    configure_django()
    project, user, seconds = populate(BENCH_WORKLOADS)
    from workloads.models import Workload

    count = Workload.objects.filter(project=project).count()
    print(f"workloads in project 'bench': {count:,} (inserted now in {seconds:.1f} s)")
    print_table(f"Workloads page at {count:,} workloads (median of {REPEAT})",
                ("view", "server time", "SQL queries", "SQL time"), bench_pages(project, user))
    print("\nSimulated cluster (kubesim, its own process so its memory is its own)", flush=True)
    subprocess.run([sys.executable, "-m", "kubesim.bench"], check=True)  # noqa: S603
    if os.environ.get("BENCH_SKIP_REFRESH"):
        return 0
    sizes = sorted({1000, BENCH_REFRESH_WORKLOADS})
    print_table("One cluster refresh (first: all new; steady: nothing changed; finished: all complete)",
                ("workloads", "refresh", "API calls", "SQL queries", "wall time"), bench_refresh(sizes))
    if os.environ.get("BENCH_SKIP_WATCH"):
        return 0
    from bench.watch import bench as bench_watch

    print_table(f"The cluster watcher at {BENCH_REFRESH_WORKLOADS:,} workloads", ("measure", "figure"),
                list(bench_watch(BENCH_REFRESH_WORKLOADS)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
