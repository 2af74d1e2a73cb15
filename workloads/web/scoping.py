"""What a request may see: the project's workloads as the user may see them, and its clusters."""

from projects.access import ProjectMixin
from projects.models import Cluster
from workloads.models import Workload


class WorkloadScopedMixin(ProjectMixin):
    """A workload of the project in the URL, as the user may see it: 404 otherwise."""

    pk_url_kwarg = "pk"

    def scoped_workloads(self):
        return Workload.objects.for_user(self.request.user).filter(project=self.project)


def project_clusters(project):
    """The clusters the project has a quota on (one query)."""
    return list(
        Cluster.objects.filter(quotas__project=project)
        .only("id", "name", "display_name", "reachable", "unreachable_since", "last_refreshed_at")
        .order_by("name")
    )
