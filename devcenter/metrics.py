"""Prometheus exposition, and the request metrics of the web process.

One process (`make run`, the tests): the default registry. Several (gunicorn workers, a
prefork Celery worker): PROMETHEUS_MULTIPROC_DIR names a directory every process writes its
values to, and a scrape adds them up (prometheus_client's multiprocess mode). No Django model
here: the Celery worker serves `process_registry()` on its own port before apps are loaded.
"""

import os
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter(
    "devcenter_http_requests", "Requests answered, by view (URL name) and status code.", ["view", "status"]
)
REQUEST_SECONDS = Histogram(
    "devcenter_http_request_duration_seconds",
    "Time to answer a request, by view.",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def process_registry():
    """The registry holding what processes counted (all of them in multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def exposition(*scrape_time_collectors) -> tuple[bytes, str]:
    """The text format of what processes counted, then of `scrape_time_collectors` (read now)."""
    now = CollectorRegistry()
    for collector in scrape_time_collectors:
        now.register(collector)
    return generate_latest(process_registry()) + generate_latest(now), CONTENT_TYPE_LATEST


def view_label(request) -> str:
    """The URL's name (`workloads:list`), never the path: paths carry ids and would grow the series."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unmatched>"
    return match.view_name or "<unnamed>"


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        view = view_label(request)
        REQUEST_SECONDS.labels(view).observe(time.perf_counter() - started)
        REQUESTS.labels(view, str(response.status_code)).inc()
        return response
