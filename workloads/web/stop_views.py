"""Stop and Resume one workload: POST + CSRF, re-selected through the user's scope, queued.

Who may stop or resume is who may delete (any member of the project). A refusal (a type that
does not stop, a workload not stopped, a quota that no longer fits) is a 409 page with the
reason and a way back; nothing has changed then.
"""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View

from workloads.lifecycle.stop_request import ScaleRefused, request_resume, request_stop
from workloads.web.links import safe_next
from workloads.web.scoping import WorkloadScopedMixin


class _ScaleView(WorkloadScopedMixin, View):
    http_method_names = ["post"]
    verb = ""  # "stop" / "resume", for the refusal page

    def request_change(self, workloads):
        raise NotImplementedError

    def done_message(self, workload) -> str:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        workloads = self.scoped_workloads().filter(pk=kwargs["pk"])
        workload = get_object_or_404(workloads.only("id", "name"))
        try:
            self.request_change(workloads)
        except ScaleRefused as refused:
            return TemplateResponse(
                request,
                "workloads/scale_refused.html",
                {
                    "project": self.project,
                    "workload": workload,
                    "verb": self.verb,
                    "reasons": refused.messages,
                    "detail_url": reverse("workloads:detail", args=[self.project.name, workload.pk]),
                    "back_url": safe_next(request, self.project),
                },
                status=409,
            )
        messages.success(request, self.done_message(workload))
        return HttpResponseRedirect(self._next(workload), status=303)

    def _next(self, workload) -> str:
        """Back where the person was: the details page, or the Workloads page with its view."""
        if self.request.POST.get("from") == "detail":
            return reverse("workloads:detail", args=[self.project.name, workload.pk])
        return safe_next(self.request, self.project)


class WorkloadStopView(_ScaleView):
    verb = "stop"

    def request_change(self, workloads):
        request_stop(workloads, user=self.request.user)

    def done_message(self, workload) -> str:
        return f"Stopping {workload.name}: it is Terminated once its pods are scaled to zero; resume it any time."


class WorkloadResumeView(_ScaleView):
    verb = "resume"

    def request_change(self, workloads):
        request_resume(workloads, user=self.request.user)

    def done_message(self, workload) -> str:
        return f"Resuming {workload.name}: admitted against the quota again, it starts once its pods are up."
