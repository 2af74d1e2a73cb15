from projects.models import Project


def project_selector(request):
    """The projects for the selector at the top of every page (one query, only when signed in)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = getattr(request, "project_access", None)
    return {
        # A project page loaded them with the access (projects/access.py): no second query.
        "user_projects": access.projects if access else Project.objects.for_user(user).only("name", "display_name"),
        "current_project": access.project if access else None,
    }
