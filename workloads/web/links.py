"""Links back to the Workloads page, with the view (filters, sort, page) the person had."""

from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

# Django refuses to redirect to a longer URL (a bare 400): a view that long loses its query instead.
MAX_URL_LENGTH = 2048


def list_url(project, query: str = "") -> str:
    url = reverse("workloads:list", args=[project.name])
    query = query.lstrip("?")
    with_query = f"{url}?{query}" if query else url
    return with_query if len(with_query) <= MAX_URL_LENGTH else url


def safe_next(request, project) -> str:
    """The list URL to go back to (with its query string), never another site or page."""
    candidate = request.POST.get("next") or ""
    base = reverse("workloads:list", args=[project.name])
    if len(candidate) <= MAX_URL_LENGTH and candidate.startswith(base) and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}
    ):
        return candidate
    return base
