"""The pages behind a row's actions menu that show one workload: details, its live objects
as YAML, and logs."""

from django.conf import settings
from django.db.models import Case, F, Prefetch, When
from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView

from devcenter.htmx import FragmentMixin
from workloads.live_objects import read_live_objects
from workloads.logs import LOG_TAIL_CHOICES, MAX_LOG_PODS, read_workload_logs
from workloads.models import Component, StatusChange, WorkloadEvent
from workloads.status import WorkloadStatus
from workloads.web import display
from workloads.web.links import list_url, workspace_link
from workloads.web.scoping import WorkloadScopedMixin
from workloads.web.time_to_start import start_segments

# Statuses whose logs may still grow: the logs page follows them.
ACTIVE_STATUSES = frozenset({WorkloadStatus.ADDED, WorkloadStatus.PENDING, WorkloadStatus.RUNNING})
# Statuses whose pods have run their course: the logs page shows their last lines and stops.
FINISHED_STATUSES = frozenset({
    WorkloadStatus.COMPLETE, WorkloadStatus.FAILED, WorkloadStatus.TERMINATED,
    WorkloadStatus.DELETING, WorkloadStatus.DELETED, WorkloadStatus.DELETE_FAILED,
})
MAX_SINCE_PODS = 2 * MAX_LOG_PODS


def parse_since(values) -> dict[str, int] | None:
    """`since=<pod name>:<nanoseconds>` (repeated) -> {pod name: ns}; None when one is nonsense."""
    since = {}
    for value in values[:MAX_SINCE_PODS]:
        if not value:
            continue  # a page with no timed line yet
        pod, _, at = value.rpartition(":")
        if not pod or len(pod) > 253 or not at.isdecimal() or len(at) > 20:
            return None
        since[pod] = int(at)
    return since


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
                # Warning first, newest first (the history is bounded per workload).
                Prefetch("events", queryset=WorkloadEvent.objects.order_by(
                    Case(When(type="Warning", then=0), default=1), F("last_seen").desc(nulls_last=True), "-id")),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        workload = self.object
        context.update(
            {
                "times": display.workload_times(
                    workload.status, workload.created_at, workload.started_at, workload.finished_at,
                    workload.status_changes.all(), timezone.now(),
                ),
                "workspace": workspace_link(workload),
                "start_segments": start_segments(
                    workload.created_at, workload.start_timeline, timezone.now(),
                    waiting=workload.status in display.WAITING,
                ),
                "is_active": workload.status in ACTIVE_STATUSES
                or workload.status == WorkloadStatus.DELETING,
                "back_url": list_url(self.project),
            }
        )
        return context


class WorkloadYamlView(WorkloadScopedMixin, DetailView):
    """The workload's Kubernetes objects as they are in its cluster now (read-only YAML)."""

    template_name = "workloads/yaml.html"
    context_object_name = "workload"

    def get_queryset(self):
        return self.scoped_workloads().select_related("cluster", "project")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        components = self.object.components.order_by("kind", "name")
        context["objects"] = read_live_objects(self.object, components)
        context["back_url"] = list_url(self.project)
        return context


class WorkloadLogsView(FragmentMixin, WorkloadScopedMixin, DetailView):
    """The stdout/stderr of the workload's pods; follows while it runs; downloadable."""

    template_name = "workloads/logs.html"
    fragment_name = "logs"
    context_object_name = "workload"

    def get_queryset(self):
        return self.scoped_workloads().select_related("cluster", "project")

    def options(self):
        try:
            tail = int(self.request.GET.get("tail", LOG_TAIL_CHOICES[0]))
        except ValueError:
            tail = LOG_TAIL_CHOICES[0]
        if tail not in LOG_TAIL_CHOICES:
            tail = LOG_TAIL_CHOICES[0]
        return {"tail": tail, "container": self.request.GET.get("container", "")}

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        options = self.options()
        # A page that follows asks for the lines after those it has: the "new-lines" fragment.
        since = parse_since(request.GET.getlist("since")) if "since" in request.GET else None
        if "since" in request.GET and since is None:
            return HttpResponseBadRequest(
                "since must be <pod name>:<nanoseconds>, as the page sends it.", content_type="text/plain"
            )
        logs = read_workload_logs(self.object, since=since, **options)
        if request.GET.get("download"):
            response = HttpResponse(logs.as_text(), content_type="text/plain; charset=utf-8")
            filename = f"{self.object.name}-{self.object.pk}-logs.txt"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        status = self.object.status
        context = self.get_context_data(
            object=self.object,
            sections=logs.sections,
            containers=logs.containers,
            error=logs.error,
            tail_choices=LOG_TAIL_CHOICES,
            following=status in ACTIVE_STATUSES,
            finished=status in FINISHED_STATUSES,
            max_lines=settings.LOGS_MAX_LINES,
            logs_url=reverse("workloads:logs", args=[self.project.name, self.object.pk]),
            **options,
        )
        if since is not None:
            return self.response_class(
                request=request, template=["workloads/logs.html#new-lines"], context=context, using=self.template_engine
            )
        return self.render_to_response(context)
