"""`python -m bench.export`: one CSV export request of the Workloads page at N workloads.

Prints the request's wall time (the whole body read, as a browser would) and its peak Python
memory (tracemalloc, a second run). Uses its own PostgreSQL database (EXPORT_BENCH_DATABASE_URL,
default `devcenter_bench_export`, created if missing) so `make bench`'s 1M rows stay as they are.
"""

import os
import sys
import time
import tracemalloc
import warnings

DATABASE = os.environ.get("EXPORT_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/devcenter_bench_export")
ROWS = int(os.environ.get("EXPORT_BENCH_ROWS", "20000"))


def configure_django():
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    os.environ["DATABASE_URL"] = DATABASE
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    os.environ.setdefault("DEVCENTER_VAR_DIR", "var/bench")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devcenter.settings")
    from bench.__main__ import create_database_if_missing

    create_database_if_missing(DATABASE)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def populate(total):
    """Project `export` with exactly `total` workloads (recreated when the count differs)."""
    from django.contrib.auth import get_user_model

    from projects.models import Cluster, Membership, Project, Quota, Role
    from workloads.models import Workload, WorkloadType
    from workloads.status import WorkloadStatus

    user, _ = get_user_model().objects.get_or_create(username="export")
    project, _ = Project.objects.get_or_create(name="export", defaults={"display_name": "Export"})
    Membership.objects.get_or_create(user=user, project=project, defaults={"role": Role.ADMIN})
    cluster, _ = Cluster.objects.get_or_create(name="export", defaults={"api_url": "http://127.0.0.1:9"})
    Quota.objects.get_or_create(project=project, cluster=cluster, defaults={"namespace": "export"})
    if Workload.objects.filter(project=project).count() != total:
        Workload.objects.filter(project=project).delete()
        types = list(WorkloadType.values)
        statuses = [s for s in WorkloadStatus.values if s != WorkloadStatus.DELETED]  # the default view
        Workload.objects.bulk_create(
            [
                Workload(
                    project=project, cluster=cluster, name=f"export-{i}", type=types[i % len(types)],
                    status=statuses[i % len(statuses)], namespace="export", requested_gpu=i % 4,
                    requested_cpu_millicores=500 * (1 + i % 8), requested_memory_bytes=(1 + i % 64) * 1024**3,
                    created_by=user, created_by_name="=HYPERLINK(\"http://x\")" if i % 100 == 0 else "export",
                )
                for i in range(total)
            ],
            batch_size=5000,
        )
    return project, user


def export_once(client, url):
    """(bytes, lines) of the body, read chunk by chunk and dropped, as a browser saving it would."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    chunks = response.streaming_content if response.streaming else [response.content]
    size = lines = 0
    for chunk in chunks:
        size += len(chunk)
        lines += chunk.count(b"\n")
    return size, lines


def main():
    sys.path.insert(0, os.getcwd())
    configure_django()
    from django.test import Client

    project, user = populate(ROWS)
    client = Client()
    client.force_login(user)
    url = f"/p/{project.name}/workloads/?_export=csv"
    export_once(client, url)  # warm up (templates, first queries)
    started = time.perf_counter()
    size, lines = export_once(client, url)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    export_once(client, url)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"export of {ROWS} workloads: {seconds:.2f} s, peak {peak / 2**20:.1f} MiB, "
          f"{size / 2**20:.1f} MiB body, {lines} lines")


if __name__ == "__main__":
    main()
