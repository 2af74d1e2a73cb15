from django.views.generic import ListView

from projects.access import ProjectMixin
from workloads.models import Workload


class WorkloadListView(ProjectMixin, ListView):
    template_name = "workloads/list.html"
    paginate_by = 25

    def get_queryset(self):
        return (
            Workload.objects.for_user(self.request.user)
            .filter(project=self.project)
            .select_related("cluster")
            .order_by("-created_at", "-id")
        )
