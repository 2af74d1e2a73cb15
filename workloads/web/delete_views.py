"""Delete one workload or several: POST + CSRF, re-selected through the user's scope, queued."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views import View
from django.views.generic import TemplateView

from workloads.lifecycle.delete_request import request_delete
from workloads.web.links import list_url, safe_next
from workloads.web.scoping import WorkloadScopedMixin

MAX_BULK = 500


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
