"""The operator's endpoints: `/healthz`, `/readyz` and `/metrics`, answered first.

Before every other middleware: no session, no user, no database work the endpoint does not
need itself; no HTTPS redirect (kubelet probes speak plain HTTP to the pod's address) and no
ALLOWED_HOSTS check (probes and scrapers use the pod's IP as the host).
"""

import hmac

from django.conf import settings
from django.http import HttpResponse, JsonResponse

from devcenter import metrics, readiness
from workloads.metrics import DatabaseCollector


def healthz(request):
    """The process answers: nothing else is asked (a restart would not fix a dead database)."""
    return JsonResponse({"status": "alive"})


def readyz(request):
    failed = readiness.failures()
    if failed:
        return JsonResponse({"status": "not ready", "failing": failed}, status=503)
    return JsonResponse({"status": "ready", "checked": list(readiness.CHECKS)})


def metrics_view(request):
    token = settings.METRICS_TOKEN
    if not token:
        return HttpResponse("Metrics are off: set METRICS_TOKEN.\n", status=404, content_type="text/plain")
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        response = HttpResponse("A bearer token (METRICS_TOKEN) is required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = metrics.exposition(DatabaseCollector())
    return HttpResponse(body, content_type=content_type)


ENDPOINTS = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics_view}


class OperationsEndpointsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        endpoint = ENDPOINTS.get(request.path_info)
        if endpoint is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = HttpResponse("Only GET and HEAD.\n", status=405, content_type="text/plain")
            response["Allow"] = "GET, HEAD"
        else:
            response = endpoint(request)
        response["Cache-Control"] = "no-store"
        return response
