"""The Workloads page and the pages behind its actions menu: thin views, scoped querysets.

Every queryset starts from `Workload.objects.for_user(user)` and the project in the URL
(ProjectMixin: 404 outside it); ids that arrive in a request are re-selected through it.
"""

import csv
from datetime import UTC, datetime, timedelta

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from projects.access import ProjectMixin
from projects.models import Cluster
from workloads.lifecycle.delete_request import request_delete
from workloads.lifecycle.queueing import enqueue_each_after_commit
from workloads.models import Component, StatusChange, Workload
from workloads.status import WorkloadStatus
from workloads.web import display
from workloads.web.filters import WorkloadFilterSet
from workloads.web.pagination import CappedLazyPaginator, page_sizes
from workloads.web.tables import WorkloadTable, list_queryset

# How long the page polls after a Refresh before it gives up waiting for the worker.
REFRESH_WAIT = timedelta(seconds=90)
# Statuses that change without anyone asking (a queued create or delete): the table watches them.
IN_FLIGHT_STATUSES = frozenset({WorkloadStatus.ADDED, WorkloadStatus.DELETING})
# Statuses whose logs may still grow: the logs page follows them.
ACTIVE_STATUSES = frozenset({WorkloadStatus.ADDED, WorkloadStatus.PENDING, WorkloadStatus.RUNNING})
LOG_TAIL_CHOICES = (100, 500, 2000)
MAX_LOG_PODS = 20
MAX_BULK = 500


def wants_fragment(request) -> bool:
    """An htmx swap (not a boosted navigation, not a history restore) gets only the fragment."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def fragment_or_page(request, template_name: str, fragment: str) -> str:
    return f"{template_name}#{fragment}" if wants_fragment(request) else template_name


class FragmentMixin:
    """Serve `template_name` or its `{% partialdef %}` `fragment_name`, with Vary: HX-Request."""

    fragment_name = ""

    def get_template_names(self):
        return [fragment_or_page(self.request, self.template_name, self.fragment_name)]

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        patch_vary_headers(response, ["HX-Request"])
        return response


def project_clusters(project):
    """The clusters the project has a quota on (one query)."""
    return list(
        Cluster.objects.filter(quotas__project=project)
        .only("id", "name", "display_name", "reachable", "unreachable_since", "last_refreshed_at")
        .order_by("name")
    )


def parse_timestamp(value):
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def list_url(project, query: str = "") -> str:
    url = reverse("workloads:list", args=[project.name])
    query = query.lstrip("?")
    return f"{url}?{query}" if query else url


def safe_next(request, project) -> str:
    """The list URL to go back to (with its query string), never another site or page."""
    candidate = request.POST.get("next") or ""
    base = reverse("workloads:list", args=[project.name])
    if (
        candidate.startswith(base)
        and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()})
    ):
        return candidate
    return base


class WorkloadListView(FragmentMixin, ProjectMixin, SingleTableMixin, FilterView):
    """The Workloads page: filters, sortable table, pages, refresh polling, CSV export."""

    template_name = "workloads/list.html"
    fragment_name = "table"
    table_class = WorkloadTable
    filterset_class = WorkloadFilterSet
    export_trigger_param = "_export"
    export_columns_excluded = ("select", "actions")

    def get_queryset(self):
        return list_queryset(self.request.user, self.project)

    def get_table_kwargs(self):
        return {"project": self.project}

    def get_table_pagination(self, table):
        return {"paginator_class": CappedLazyPaginator, "per_page": page_sizes()[0]}

    def get(self, request, *args, **kwargs):
        if request.GET.get(self.export_trigger_param) == "csv":
            return self.export_csv()
        return super().get(request, *args, **kwargs)

    def export_csv(self):
        """The current filtered, sorted view (all its pages) as CSV, via the table's values."""
        filterset = self.get_filterset(self.get_filterset_class())
        rows = filterset.qs if filterset.is_valid() else Workload.objects.none()
        table = WorkloadTable(rows, project=self.project, order_by=self.request.GET.getlist("sort") or None)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="workloads-{self.project.name}-{stamp}.csv"'
        writer = csv.writer(response)
        for row in table.as_values(exclude_columns=self.export_columns_excluded):
            writer.writerow(row)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        clusters = project_clusters(self.project)
        context["unreachable_clusters"] = [cluster for cluster in clusters if not cluster.reachable]
        context["is_filtered"] = self.filterset.is_filtered
        context.update(self.refresh_state(clusters))
        page = getattr(context["table"], "page", None)
        rows = page.object_list if page is not None else []
        context["in_flight"] = any(row.record.status in IN_FLIGHT_STATUSES for row in rows)
        return context

    def refresh_state(self, clusters):
        """Whether the fragment keeps polling after a Refresh (until every cluster refreshed)."""
        since = parse_timestamp(self.request.GET.get("refresh_since"))
        if since is None:
            return {"refreshing": False}
        waiting = [c for c in clusters if c.last_refreshed_at is None or c.last_refreshed_at < since]
        timed_out = bool(waiting) and timezone.now() - since > REFRESH_WAIT
        return {
            "refreshing": bool(waiting) and not timed_out,
            "refresh_timed_out": timed_out,
            "refresh_done": not waiting,
        }


class WorkloadScopedMixin(ProjectMixin):
    """A workload of the project in the URL, as the user may see it: 404 otherwise."""

    pk_url_kwarg = "pk"

    def scoped_workloads(self):
        return Workload.objects.for_user(self.request.user).filter(project=self.project)


class WorkloadDetailView(FragmentMixin, WorkloadScopedMixin, DetailView):
    template_name = "workloads/detail.html"
    fragment_name = "live"
    context_object_name = "workload"

    def get_queryset(self):
        return (
            self.scoped_workloads()
            .select_related("cluster")
            .prefetch_related(
                Prefetch("components", queryset=Component.objects.order_by("kind", "name")),
                Prefetch("status_changes", queryset=StatusChange.objects.order_by("-at", "-id")),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        workload = self.object
        now = timezone.now()
        waiting = workload.started_at is None and workload.status in ACTIVE_STATUSES
        context.update(
            {
                # Queue time: created -> started (still counting while it waits).
                "queue_time": display.duration((workload.started_at or now) - workload.created_at)
                if workload.started_at or waiting
                else "",
                "run_time": display.duration((workload.finished_at or now) - workload.started_at)
                if workload.started_at
                else "",
                "workspace": display.workspace_link(workload),
                "is_active": workload.status in ACTIVE_STATUSES
                or workload.status == WorkloadStatus.DELETING,
                "back_url": list_url(self.project),
            }
        )
        return context


class WorkloadDeleteView(WorkloadScopedMixin, View):
    """POST only: mark the workload Deleting and queue its deletion after commit."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        workloads = self.scoped_workloads().filter(pk=kwargs["pk"])
        workload = get_object_or_404(workloads.only("id", "name", "status"))
        queued = request_delete(workloads, by_username=request.user.get_username())
        if queued:
            messages.success(request, f"Deletion of {workload.name} queued.")
        else:
            messages.info(request, f"{workload.name} is already {workload.get_status_display().lower()}.")
        return HttpResponseRedirect(safe_next(request, self.project), status=303)


class WorkloadBulkDeleteView(WorkloadScopedMixin, TemplateView):
    """GET: confirm what will be deleted and what is already gone. POST: delete, report each."""

    template_name = "workloads/bulk_delete.html"

    def selected(self, data):
        ids = []
        for value in data.getlist("id")[:MAX_BULK]:
            try:
                ids.append(int(value))
            except (TypeError, ValueError):
                continue
        return self.scoped_workloads().filter(pk__in=ids)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = list(self.selected(self.request.GET).only("id", "name", "status").order_by("name", "id"))
        context["to_delete"] = [w for w in rows if w.is_deletable]
        context["already_gone"] = [w for w in rows if not w.is_deletable]
        context["next"] = list_url(self.project, self.request.GET.get("query", ""))
        return context

    def post(self, request, *args, **kwargs):
        selected = self.selected(request.POST)
        names = dict(selected.values_list("id", "name"))
        queued = set(request_delete(selected, by_username=request.user.get_username()))
        for workload_id, name in sorted(names.items(), key=lambda item: item[1]):
            if workload_id in queued:
                messages.success(request, f"Deletion of {name} queued.")
            else:
                messages.info(request, f"{name} was already being deleted or gone.")
        if not names:
            messages.warning(request, "No workloads were selected.")
        return HttpResponseRedirect(safe_next(request, self.project), status=303)


class RefreshView(ProjectMixin, View):
    """POST: queue a refresh of the project's clusters; the table polls until they are done."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        from workloads import tasks

        requested_at = timezone.now()
        cluster_ids = [cluster.id for cluster in project_clusters(self.project)]
        # A broker that is down must not fail the page: beat refreshes every cluster anyway.
        enqueue_each_after_commit(tasks.refresh_cluster, cluster_ids)
        # The view the person was looking at (filters, sort, page), sent along by the form.
        query = QueryDict(request.POST.get("query", "").lstrip("?"), mutable=True)
        query.pop("refresh_since", None)
        query.pop("_export", None)
        query["refresh_since"] = f"{requested_at.timestamp():.6f}"
        return HttpResponseRedirect(list_url(self.project, query.urlencode()), status=303)


class WorkloadLogsView(FragmentMixin, WorkloadScopedMixin, DetailView):
    """The stdout/stderr of the workload's pods; follows while it runs; downloadable."""

    template_name = "workloads/logs.html"
    fragment_name = "logs"
    context_object_name = "workload"

    def get_queryset(self):
        return self.scoped_workloads().select_related("cluster")

    def options(self):
        try:
            tail = int(self.request.GET.get("tail", LOG_TAIL_CHOICES[0]))
        except ValueError:
            tail = LOG_TAIL_CHOICES[0]
        if tail not in LOG_TAIL_CHOICES:
            tail = LOG_TAIL_CHOICES[0]
        return {"tail": tail, "container": self.request.GET.get("container", "")}

    def read_logs(self, workload, *, tail, container):
        """[(pod, container, text or None, problem)], containers, error: one gateway session."""
        from workloads.cluster import (
            ClusterGateway,
            ClusterUnreachable,
            LogsUnavailable,
            workload_selector,
        )

        sections, containers = [], []
        try:
            with ClusterGateway(workload.cluster.connection()) as gateway:
                pods = gateway.list_pods(workload_selector(workload.pk))[:MAX_LOG_PODS]
                for pod in pods:
                    for name in pod.containers:
                        if name not in containers:
                            containers.append(name)
                for pod in pods:
                    chosen = container if container in pod.containers else (pod.containers or ("",))[0]
                    try:
                        text = gateway.read_logs(pod.namespace, pod.name, container=chosen, tail_lines=tail)
                        sections.append({"pod": pod, "container": chosen, "text": text, "problem": ""})
                    except LogsUnavailable as exc:
                        sections.append({"pod": pod, "container": chosen, "text": "", "problem": exc.message})
        except ClusterUnreachable as exc:
            return [], [], f"Cluster {workload.cluster} cannot be reached right now ({exc.message})."
        return sections, containers, ""

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        options = self.options()
        sections, containers, error = self.read_logs(self.object, **options)
        if request.GET.get("download"):
            return self.download(sections, error)
        pods_active = any(s["pod"].phase in ("Pending", "Running") for s in sections)
        context = self.get_context_data(
            object=self.object,
            sections=sections,
            containers=containers,
            error=error,
            tail_choices=LOG_TAIL_CHOICES,
            following=not error and (self.object.status in ACTIVE_STATUSES or pods_active),
            **options,
        )
        return self.render_to_response(context)

    def download(self, sections, error):
        lines = []
        if error:
            lines.append(error)
        for section in sections:
            lines.append(f"==> {section['pod'].name}/{section['container']} <==")
            lines.append(section["text"] or section["problem"])
        response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
        filename = f"{self.object.name}-{self.object.pk}-logs.txt"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

