"""Links back to the Workloads page, with the view (filters, sort, page) the person had."""

from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def list_url(project, query: str = "") -> str:
    url = reverse("workloads:list", args=[project.name])
    query = query.lstrip("?")
    return f"{url}?{query}" if query else url


def safe_next(request, project) -> str:
    """The list URL to go back to (with its query string), never another site or page."""
    candidate = request.POST.get("next") or ""
    base = reverse("workloads:list", args=[project.name])
    if candidate.startswith(base) and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}
    ):
        return candidate
    return base
