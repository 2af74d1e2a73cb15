"""Launch a workload: the form with what fits where, the check as the person types (a dry run
of admission), admission against the quota, then back to the Workloads page."""

from dataclasses import dataclass

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views import View
from django.views.generic import FormView

from projects.access import ProjectMixin
from projects.resources import RESOURCES
from workloads.lifecycle.launch_capacity import launch_room
from workloads.lifecycle.launch_request import AdmissionRefused, admit, dry_run
from workloads.web.forms import LaunchCheckForm, LaunchForm

CHECK_FRAGMENT = "workloads/launch.html#check"


@dataclass(frozen=True)
class FitLine:
    """One resource of a request that fits: what it asks for of what is free."""

    label: str
    requested: str  # the number alone: "2 of 30 cores"
    free: str


@dataclass(frozen=True)
class LaunchCheck:
    """What the check region says: fits (with its lines) or not (with admission's messages)."""

    cluster: str = ""
    fits: list[FitLine] | None = None
    refusals: list[str] | None = None
    # Input that cannot be checked at all, as (field label or "", message) pairs.
    errors: list[tuple[str, str]] | None = None

    @property
    def gpu(self) -> FitLine:
        """The headline: GPUs are what people run out of."""
        return self.fits[0]

    @property
    def others(self) -> list[FitLine]:
        return self.fits[1:]


def check_launch(project, user, cluster, launch) -> LaunchCheck:
    """The dry run of admission, as the check region says it."""
    try:
        admission = dry_run(project, cluster, user, launch)
    except AdmissionRefused as refused:
        return LaunchCheck(cluster.name, refusals=refused.messages)
    requested, free = launch.requested(), admission.free
    return LaunchCheck(
        cluster.name,
        fits=[FitLine(r.label, r.format(requested[r.quota_field]), r.show(free[r.quota_field])) for r in RESOURCES],
    )


def form_errors(form) -> list[tuple[str, str]]:
    return [
        (form.fields[name].label or name.capitalize() if name in form.fields else "", message)
        for name, errors in form.errors.items()
        for message in errors
    ]


class LaunchWorkloadView(ProjectMixin, FormView):
    """Every project member may launch, within the project's quota on the chosen cluster."""

    template_name = "workloads/launch.html"
    form_class = LaunchForm

    def room(self):
        if not hasattr(self, "_room"):
            self._room = launch_room(self.project, self.request.user, LaunchForm.default_launch())
        return self._room

    def get_initial(self):
        initial = super().get_initial()
        default = self.room().default
        if default is not None:
            initial["cluster"] = default.name
        return initial

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "project": self.project}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        room = self.room()
        context["room"] = room
        if self.request.method == "GET" and room.default is not None:
            context["check"] = check_launch(
                self.project, self.request.user, room.default.cluster, LaunchForm.default_launch()
            )
        return context

    def form_valid(self, form):
        cluster = form.cleaned_data["cluster"]
        try:
            workload = admit(self.project, cluster, self.request.user, form.launch())
        except AdmissionRefused as refused:
            for message in refused.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{workload.name} launched on {cluster.name}: Added, it starts once the cluster has created it.",
        )
        return redirect("workloads:list", project=self.project.name)


class LaunchCheckView(ProjectMixin, View):
    """POST the launch form as it is now: would it be admitted? (The dry run of admission.)

    200 with "fits" or admission's refusal; 400 with the form's messages for input that cannot
    be checked (not a number, a cluster the project has no quota on, ...). Never writes.
    """

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = LaunchCheckForm(request.POST, project=self.project)
        if not form.is_valid():
            check, status = LaunchCheck(errors=form_errors(form)), 400
        else:
            cluster, launch = form.cleaned_data["cluster"], form.launch()
            check, status = check_launch(self.project, request.user, cluster, launch), 200
        return TemplateResponse(request, CHECK_FRAGMENT, {"check": check, "project": self.project}, status=status)
