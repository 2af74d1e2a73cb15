"""Resolve the project in the URL for the signed-in user: 404 outside it, 403 without the role."""

from dataclasses import dataclass

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404

from projects.models import Membership, Project, Role

SESSION_KEY = "devcenter.project"


@dataclass(frozen=True)
class ProjectAccess:
    project: Project
    role: str  # Role value; superusers count as admins

    @property
    def is_admin(self):
        return self.role == Role.ADMIN


def project_access(request, slug) -> ProjectAccess:
    """The user's access to project `slug`, remembered as their current project; 404 if none."""
    user = request.user
    if user.is_superuser:
        project = Project.objects.filter(name=slug).first()
        role = Role.ADMIN
    else:
        membership = (
            Membership.objects.select_related("project").filter(user=user, project__name=slug).first()
        )
        project = membership.project if membership else None
        role = membership.role if membership else None
    if project is None:
        raise Http404("No such project")
    if request.session.get(SESSION_KEY) != project.name:
        request.session[SESSION_KEY] = project.name
    request.project_access = ProjectAccess(project, role)
    return request.project_access


class ProjectMixin(LoginRequiredMixin):
    """For views under /p/<project>/: sets self.project and self.access, scoped to the user."""

    admin_required = False  # for state-changing requests; reading needs membership only

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.access = project_access(request, kwargs["project"])
        self.project = self.access.project
        if self.admin_required and request.method not in ("GET", "HEAD") and not self.access.is_admin:
            raise PermissionDenied("Only project admins can do this.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["project"] = self.project
        context["access"] = self.access
        return context
