from html import escape

from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString

from projects.models import Project

_NAME = "project-name-placeholder"


def picker_entries(projects):
    """[(project, its Workloads page URL)]: one reverse for all of them (a {% url %} per project
    cost ~2 ms a page for a person in 50 projects)."""
    pattern = reverse("workloads:list", kwargs={"project": _NAME})
    return [(project, pattern.replace(_NAME, project.name)) for project in projects]


def picker_items(entries, current) -> SafeString:
    """The selector's <li> items: built here, as a loop of 50 in the template cost ~0.6 ms a page
    (stdlib escape: what django.utils.html.escape does)."""
    items = []
    for project, url in entries:
        here = ' aria-current="page"' if current is not None and project.pk == current.pk else ""
        items.append(f'<li><a href="{escape(url)}"{here}>{escape(str(project))} '
                     f'<span class="muted">{escape(project.name)}</span></a></li>')
    return SafeString("\n".join(items))


def project_selector(request):
    """The projects for the selector at the top of every page (one query, only when signed in)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = getattr(request, "project_access", None)
    current = access.project if access else None
    if access:  # a project page loaded them with the access (projects/access.py): no second query
        entries = picker_entries(access.projects)
    else:
        entries = SimpleLazyObject(lambda: picker_entries(Project.objects.for_user(user).only("name", "display_name")))
    return {"user_projects": entries, "current_project": current,
            "user_project_items": SimpleLazyObject(lambda: picker_items(entries, current))}
