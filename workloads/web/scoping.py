"""What a request may see: the project's workloads as the user may see them (its clusters come
with the project's access, projects/access.py)."""

from projects.access import ProjectMixin
from workloads.models import Workload


class WorkloadScopedMixin(ProjectMixin):
    """A workload of the project in the URL, as the user may see it: 404 otherwise."""

    pk_url_kwarg = "pk"

    def scoped_workloads(self):
        return Workload.objects.for_user(self.request.user).filter(project=self.project)
