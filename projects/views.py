from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from projects.access import SESSION_KEY
from projects.models import Project


@login_required
def home(request):
    """Send the user to their remembered project, their only project, or let them pick one."""
    projects = list(Project.objects.for_user(request.user).only("name", "display_name"))
    names = {project.name for project in projects}
    remembered = request.session.get(SESSION_KEY)
    if remembered in names:
        return redirect("workloads:list", project=remembered)
    if len(projects) == 1:
        return redirect("workloads:list", project=projects[0].name)
    return render(request, "projects/choose.html", {"projects": projects})
