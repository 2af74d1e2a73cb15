"""The Workloads page (filters, sortable table, pages, CSV export) and its Refresh button.

Every queryset starts from `Workload.objects.for_user(user)` and the project in the URL
(ProjectMixin: 404 outside it).
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.http import HttpResponseRedirect, QueryDict
from django.utils import timezone
from django.views import View
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from devcenter.htmx import FragmentMixin, wants_fragment
from projects.access import ProjectMixin
from workloads import task_names
from workloads.lifecycle.queueing import enqueue_each_after_commit
from workloads.models import Workload
from workloads.web import export
from workloads.web.counts import filter_counts
from workloads.web.cursor import BadCursor, decode, view_digest
from workloads.web.filters import DEFAULT_STATUSES, WorkloadFilterSet
from workloads.web.links import list_url
from workloads.web.live import IN_FLIGHT_STATUSES, shown_row_ids
from workloads.web.pagination import CappedLazyPaginator, page_sizes
from workloads.web.tables import WorkloadTable, list_queryset


def parse_timestamp(value):
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


class WorkloadListView(FragmentMixin, ProjectMixin, SingleTableMixin, FilterView):
    """The Workloads page: filters, sortable table, pages, refresh polling, CSV export."""

    template_name = "workloads/list.html"
    fragment_name = "table"
    table_class = WorkloadTable
    filterset_class = WorkloadFilterSet
    export_trigger_param = "_export"

    def get_queryset(self):
        return list_queryset(self.request.user, self.project)

    def get_table_kwargs(self):
        return {"project": self.project, **self.read_cursor()}

    def read_cursor(self):
        """The page's keyset cursor for this view (project, filters, sort); a bad one leaves a
        message in `cursor_error` (the page answers 400 and shows the first page)."""
        valid = self.filterset.is_valid()
        digest = view_digest(self.project.pk, self.filterset.form.cleaned_data if valid else {},
                             self.request.GET.get("sort", ""))
        text, cursor = self.request.GET.get("cursor", ""), None
        if text:
            try:
                cursor = decode(text, digest)
            except BadCursor as error:
                self.cursor_error = f"This page link cannot be followed: {error}. Showing the first page."
        return {"cursor": cursor, "view_digest": digest}

    def get_table_pagination(self, table):
        return {"paginator_class": CappedLazyPaginator, "per_page": page_sizes()[0]}

    def get(self, request, *args, **kwargs):
        if request.GET.get(self.export_trigger_param) == "csv":
            filterset = self.get_filterset(self.get_filterset_class())
            rows = filterset.qs if filterset.is_valid() else Workload.objects.none()
            return export.csv_response(rows, project=self.project, order_by=request.GET.getlist("sort"))
        self.cursor_error = ""
        response = super().get(request, *args, **kwargs)
        if self.cursor_error:
            response.status_code = 400
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        clusters = self.access.clusters
        context["unreachable_clusters"] = [cluster for cluster in clusters if not cluster.reachable]
        context["is_filtered"] = self.filterset.is_filtered
        context["default_statuses"] = DEFAULT_STATUSES
        # Only a swapped fragment sends the filter form's counts out of band (a full page has them).
        context["counts_out_of_band"] = wants_fragment(self.request)
        context["export_max_rows"] = f"{settings.WORKLOADS_EXPORT_MAX_ROWS:,}"
        context["cursor_error"] = self.cursor_error
        # One grouped query: the counts beside each filter choice and the pager's total.
        context["counts"] = counts = filter_counts(self.filterset, self.project)
        # render_table renders with the table alone: what its pager and empty state say rides on it.
        table = context["table"]
        table.filter_counts, table.is_filtered = counts, self.filterset.is_filtered
        paginator = getattr(table, "paginator", None)
        if counts is not None and paginator is not None:
            table.page_count = max(1, -(-counts.total // paginator.per_page))
        context.update(self.refresh_state(clusters))
        records = getattr(table, "page_records", [])
        kept = self.kept_rows({record.pk for record in records})
        if kept:
            context["kept_table"] = WorkloadTable(kept, project=self.project, template_name="workloads/_kept_rows.html")
        context["in_flight"] = any(record.status in IN_FLIGHT_STATUSES for record in [*records, *kept])
        return context

    def kept_rows(self, on_page):
        """A live update's rows that are shown but no longer on the page (a delete that became
        Deleted, hidden by the default filter): they keep showing their status until a reload."""
        if not wants_fragment(self.request):
            return []
        missing = [pk for pk in shown_row_ids(self.request) if pk not in on_page]
        if not missing:
            return []
        return list(self.get_queryset().filter(pk__in=missing).order_by("-created_at", "-pk"))

    def refresh_state(self, clusters):
        """Whether the fragment keeps polling after a Refresh (until every cluster refreshed)."""
        since = parse_timestamp(self.request.GET.get("refresh_since"))
        if since is None:
            return {"refreshing": False}
        waiting = [c for c in clusters if c.last_refreshed_at is None or c.last_refreshed_at < since]
        timed_out = bool(waiting) and timezone.now() - since > timedelta(seconds=settings.REFRESH_WAIT_SECONDS)
        return {
            "refreshing": bool(waiting) and not timed_out,
            "refresh_timed_out": timed_out,
            "refresh_done": not waiting,
        }


class RefreshView(ProjectMixin, View):
    """POST: queue a refresh of the project's clusters; the table polls until they are done."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        requested_at = timezone.now()
        cluster_ids = [cluster.id for cluster in self.access.clusters]
        # A broker that is down must not fail the page: beat refreshes every cluster anyway.
        enqueue_each_after_commit(task_names.REFRESH_CLUSTER, cluster_ids)
        # The view the person was looking at (filters, sort, page), sent along by the form.
        query = QueryDict(request.POST.get("query", "").lstrip("?"), mutable=True)
        query.pop("refresh_since", None)
        query.pop("_export", None)
        stamp = f"{requested_at.timestamp():.6f}"
        query["refresh_since"] = stamp
        url = list_url(self.project, query.urlencode())
        if "?" not in url:  # a view too long to carry along: the refresh still shows
            url = list_url(self.project, f"refresh_since={stamp}")
        return HttpResponseRedirect(url, status=303)
