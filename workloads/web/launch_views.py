"""Launch a workload: the form, admission against the quota, then back to the Workloads page."""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.generic import FormView

from projects.access import ProjectMixin
from workloads.lifecycle.launch_request import AdmissionRefused, admit
from workloads.web.forms import LaunchForm


class LaunchWorkloadView(ProjectMixin, FormView):
    """Every project member may launch, within the project's quota on the chosen cluster."""

    template_name = "workloads/launch.html"
    form_class = LaunchForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "project": self.project}

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
