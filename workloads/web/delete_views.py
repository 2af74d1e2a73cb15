"""Delete one workload or several: POST + CSRF, re-selected through the user's scope, queued."""

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views import View
from django.views.generic import TemplateView

from workloads.lifecycle.delete_request import request_delete
from workloads.web.links import list_url, safe_next
from workloads.web.scoping import WorkloadScopedMixin

MAX_BULK = 500  # workloads per bulk request; every id past it is reported, not dropped
MAX_ID = 2**63 - 1  # the id column's range: a larger number is no workload's
MAX_SHOWN_VALUE = 40  # characters of a bad value echoed back


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


@dataclass(frozen=True)
class Selection:
    """What a bulk request asked for: the ids acted on, and every value that is not."""

    ids: list[int]  # the first MAX_BULK distinct ids, in the order given
    over_limit: list[int]  # distinct ids past MAX_BULK
    invalid: list[str]  # values that are no workload id

    @classmethod
    def parse(cls, values) -> "Selection":
        ids, invalid = [], []
        for value in values:
            try:
                number = int(value)
            except (TypeError, ValueError):
                number = None
            if number is None or not 0 < number <= MAX_ID:
                invalid.append(value[:MAX_SHOWN_VALUE])
            else:
                ids.append(number)
        ids = list(dict.fromkeys(ids))
        return cls(ids[:MAX_BULK], ids[MAX_BULK:], invalid)


def _ids_text(ids) -> str:
    return f"id {ids[0]}" if len(ids) == 1 else f"{len(ids)} ids ({', '.join(str(i) for i in ids)})"


def not_acted_on(selection: Selection, found_ids) -> list[str]:
    """One line per reason an id of the request is left alone (apart from workloads already
    being deleted or gone, which are named one by one)."""
    found_ids = set(found_ids)
    missing = [i for i in selection.ids if i not in found_ids]
    lines = []
    if missing:
        lines.append(f"Not deleted, not a workload of this project that you can see (or no longer there): "
                     f"{_ids_text(missing)}.")
    if selection.over_limit:
        lines.append(f"Not deleted, past the limit of {MAX_BULK} workloads at a time (select them again): "
                     f"{_ids_text(selection.over_limit)}.")
    if selection.invalid:
        values = ", ".join(f"“{value}”" for value in selection.invalid)
        lines.append(f"Not deleted, not workload ids: {values}.")
    return lines


class WorkloadBulkDeleteView(WorkloadScopedMixin, TemplateView):
    """GET: confirm what will be deleted and what will not, and why. POST: delete, report every
    selected id: queued, already being deleted or gone, or not acted on (and why)."""

    template_name = "workloads/bulk_delete.html"

    def selected(self, selection: Selection):
        return self.scoped_workloads().filter(pk__in=selection.ids)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        selection = Selection.parse(self.request.GET.getlist("id"))
        rows = list(self.selected(selection).only("id", "name", "status").order_by("name", "id"))
        context["to_delete"] = [w for w in rows if w.is_deletable]
        context["already_gone"] = [w for w in rows if not w.is_deletable]
        context["not_acted_on"] = not_acted_on(selection, [w.pk for w in rows])
        context["next"] = list_url(self.project, self.request.GET.get("query", ""))
        return context

    def post(self, request, *args, **kwargs):
        selection = Selection.parse(request.POST.getlist("id"))
        selected = self.selected(selection)
        names = dict(selected.values_list("id", "name"))
        queued = set(request_delete(selected, by_username=request.user.get_username()))
        for workload_id, name in sorted(names.items(), key=lambda item: item[1]):
            if workload_id in queued:
                messages.success(request, f"Deletion of {name} queued.")
            else:
                messages.info(request, f"{name} was already being deleted or gone.")
        for line in not_acted_on(selection, names):
            messages.warning(request, line)
        if not (selection.ids or selection.over_limit or selection.invalid):
            messages.warning(request, "No workloads were selected.")
        return HttpResponseRedirect(safe_next(request, self.project), status=303)
