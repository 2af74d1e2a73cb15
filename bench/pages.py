"""The Workloads page's cases, each timed against its floor: the same rows rendered minimally.

A case's **floor** is what any implementation must pay in this process: one raw query for the
same columns, filter, order and window (LIMIT per_page + 1), rendered by a bare Django template
into a plain table with the same cells. The ratio page/floor is the page's overhead.
"""

import resource
import statistics
import time
from dataclasses import dataclass, field

from django.db import connection
from django.template import Context, Engine
from django.test.utils import CaptureQueriesContext

FLOOR_TEMPLATE = Engine().from_string(
    "<table><thead><tr><th>Name</th><th>Type</th><th>Cluster</th><th>GPU</th><th>CPU</th>"
    "<th>Memory</th><th>Status</th><th>Created</th></tr></thead><tbody>"
    "{% for row in rows %}<tr><td>{{ row.0 }}</td><td>{{ row.1 }}</td><td>{{ row.2 }}</td>"
    "<td>{{ row.3 }}</td><td>{{ row.4 }}</td><td>{{ row.5 }}</td><td>{{ row.6 }}</td>"
    "<td>{{ row.7 }} by {{ row.8 }}</td></tr>{% endfor %}</tbody></table>"
)
FLOOR_COLUMNS = ("name", "type", "cluster__name", "requested_gpu", "requested_cpu_millicores",
                 "requested_memory_bytes", "status", "created_at", "created_by_name")


@dataclass
class Case:
    label: str
    query: str = ""
    # The floor's equivalent: ORM filter, order and window for the same rows.
    where: dict = field(default_factory=dict)
    order: tuple = ("-created_at", "-id")
    offset: int = 0
    per_page: int = 25
    htmx: bool = False
    exclude_deleted: bool = True
    # Reached by Next (a keyset cursor) this many rows deep: the URL and floor are made at run time.
    cursor_depth: int = 0
    keyset: tuple = ()  # (created_at, id) of the row the cursor starts after (floor_render's filter)


def cases(total):
    from django.conf import settings

    # page=N stops at WORKLOADS_MAX_PAGE (an OFFSET); deeper is Next's keyset cursor.
    deep_page = max(1, min(total // 25 - 1, settings.WORKLOADS_MAX_PAGE))
    cursor_depth = max(25, min(40_000, int(total * 0.75)))
    return [
        Case("first page", ""),
        Case("page 100", "page=100", offset=99 * 25),
        Case(f"page {deep_page} (deepest by page=)", f"page={deep_page}", offset=(deep_page - 1) * 25),
        Case(f"row {cursor_depth:,} by Next (cursor)", "", cursor_depth=cursor_depth),
        Case("status=running", "status=running", where={"status": "running"}, exclude_deleted=False),
        Case("two types", "type=workspace&type=inference", where={"type__in": ["workspace", "inference"]}),
        Case("name contains", "name=00042", where={"name__icontains": "00042"}),
        Case("sort by name", "sort=name", order=("name", "id")),
        Case("sort by GPU", "sort=-gpu", order=("-requested_gpu", "-id")),
        Case("100 rows", "per_page=100", per_page=100),
        Case("htmx fragment", "status=failed", where={"status": "failed"}, htmx=True, exclude_deleted=False),
    ]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def time_page(client, url, htmx, runs):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    client.get(url, **headers)  # warm: templates compiled, connection open
    timings = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url, **headers)
            timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    return timings, len(queries.captured_queries), len(response.content)


def with_cursor(project, case):
    """`case` with the URL of the page after row `cursor_depth` (newest first), as Next makes it."""
    from dataclasses import replace
    from urllib.parse import urlencode

    from django.http import QueryDict

    from workloads.models import Workload
    from workloads.status import WorkloadStatus
    from workloads.web.cursor import Cursor, encode, view_digest
    from workloads.web.filters import WorkloadFilterSet

    visible = Workload.objects.filter(project=project).exclude(status=WorkloadStatus.DELETED)
    created_at, pk = visible.order_by("-created_at", "-id").values_list("created_at", "id")[case.cursor_depth - 1]
    filterset = WorkloadFilterSet(QueryDict(""), queryset=visible)
    filterset.is_valid()
    digest = view_digest(project.pk, filterset.form.cleaned_data, "")
    cursor = encode(Cursor(created_at.isoformat(), pk, case.cursor_depth // case.per_page + 1), digest)
    return replace(case, query=urlencode({"cursor": cursor}), keyset=(created_at, pk))


def floor_render(project, case):
    from django.db.models.fields.tuple_lookups import Tuple, TupleLessThan

    from workloads.models import Workload
    from workloads.status import WorkloadStatus

    rows = Workload.objects.filter(project=project, **case.where)
    if case.exclude_deleted:
        rows = rows.exclude(status=WorkloadStatus.DELETED)
    if case.keyset:
        rows = rows.filter(TupleLessThan(Tuple("created_at", "id"), case.keyset))
    rows = rows.order_by(*case.order).values_list(*FLOOR_COLUMNS)
    sql, params = rows[case.offset: case.offset + case.per_page + 1].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()[: case.per_page]
    return FLOOR_TEMPLATE.render(Context({"rows": fetched}))


def time_floor(project, case, runs):
    floor_render(project, case)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        floor_render(project, case)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def bench_pages(project, user, total, runs):
    from django.test import Client

    client = Client()
    client.force_login(user)
    base = f"/p/{project.name}/workloads/"
    results = []
    for case in cases(total):
        if case.cursor_depth:
            case = with_cursor(project, case)  # noqa: PLW2901 - the same case, its URL made now
        url = f"{base}?{case.query}" if case.query else base
        timings, queries, html_bytes = time_page(client, url, case.htmx, runs)
        floor = time_floor(project, case, runs)
        page_median, floor_median = statistics.median(timings), statistics.median(floor)
        results.append({
            "case": case.label, "url": url,
            "median_ms": round(page_median, 1), "p95_ms": round(percentile(timings, 0.95), 1),
            "queries": queries, "html_bytes": html_bytes,
            "floor_median_ms": round(floor_median, 2), "ratio": round(page_median / floor_median, 1),
        })
    results_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return results, results_rss
