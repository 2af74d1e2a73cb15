"""Resolve the project in the URL for the signed-in user: 404 outside it, 403 without the role.

One query answers what every project page needs of the user's projects: which they are (the
project picker), the role in each, and the clusters of the project in the URL (its quotas) with
the state the pages show (reachable, last refreshed). A page stays within its query budget
(session, user, this, and its own rows).
"""

import json
from dataclasses import dataclass, field
from datetime import UTC

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, OuterRef, StringAgg, Subquery, TextField, Value, When
from django.db.models.functions import Cast, JSONObject
from django.http import Http404
from django.utils.dateparse import parse_datetime

from projects.models import Cluster, Project, Quota, Role

SESSION_KEY = "devcenter.project"


@dataclass(frozen=True)
class ProjectAccess:
    project: Project
    role: str  # Role value; superusers count as admins
    projects: list = field(default_factory=list)  # every project the user may pick, by name
    clusters: list = field(default_factory=list)  # the project's clusters (its quotas), by name

    @property
    def is_admin(self):
        return self.role == Role.ADMIN


# What the pages read of a project's clusters, carried as JSON inside the projects query.
CLUSTER_FIELDS = ("id", "name", "display_name", "reachable", "unreachable_since", "last_refreshed_at")
_TIMES = ("unreachable_since", "last_refreshed_at")


def _clusters_as_json():
    """The project's clusters (OuterRef) as comma-joined JSON objects (SQLite cannot order an
    aggregate: `_clusters` sorts them)."""
    as_json = JSONObject(**{name: f"cluster__{name}" for name in CLUSTER_FIELDS})
    return Subquery(
        Quota.objects.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(clusters=StringAgg(Cast(as_json, TextField()), Value(",")))
        .values("clusters")
    )


def _clusters(text) -> list[Cluster]:
    clusters = []
    for row in json.loads(f"[{text or ''}]"):
        for name in _TIMES:
            moment = parse_datetime(row[name]) if row[name] else None
            row[name] = moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment
        row["reachable"] = bool(row["reachable"])  # SQLite's JSON says 1/0
        clusters.append(Cluster.from_db("default", CLUSTER_FIELDS, [row[name] for name in CLUSTER_FIELDS]))
    return sorted(clusters, key=lambda cluster: cluster.name)


def user_projects(user, slug):
    """The user's projects by name with `role` and, for project `slug` only, `clusters_json`."""
    if user.is_superuser:
        projects = Project.objects.annotate(role=Value(Role.ADMIN))
    else:
        projects = Project.objects.filter(memberships__user=user).annotate(role=F("memberships__role"))
    return projects.annotate(
        clusters_json=Case(When(name=slug, then=_clusters_as_json()), default=Value(None), output_field=TextField())
    ).order_by("name")


def project_access(request, slug) -> ProjectAccess:
    """The user's access to project `slug`, remembered as their current project; 404 if none."""
    projects = list(user_projects(request.user, slug))
    project = next((candidate for candidate in projects if candidate.name == slug), None)
    if project is None:
        raise Http404("No such project")
    if request.session.get(SESSION_KEY) != project.name:
        request.session[SESSION_KEY] = project.name
    request.project_access = ProjectAccess(project, project.role, projects, _clusters(project.clusters_json))
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
