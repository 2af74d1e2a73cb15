
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.generic import RedirectView, TemplateView

from projects import usage
from projects.access import SESSION_KEY, ProjectMixin
from projects.forms import AddMemberForm, QuotaForm, RoleForm, already_a_member
from projects.members import LastAdminError, NotAMember, add_member, change_role, remove_member
from projects.models import Membership, Project, Quota, Role
from projects.quotas import QuotaRefused, cluster_usage, recent_changes, set_quota


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


class ProjectHomeView(ProjectMixin, RedirectView):
    """/p/<project>/ is the project's Workloads page (for its members only)."""

    pattern_name = "workloads:list"


class QuotasView(ProjectMixin, TemplateView):
    """Usage against quota per cluster; project admins edit one cluster's amounts at a time.

    Only clusters the project already has a quota on: which clusters, and the namespace on
    each, are the platform admin's (Django admin).
    """

    template_name = "projects/quotas.html"
    admin_required = True

    def get_context_data(self, bound_form=None, page_error="", **kwargs):
        context = super().get_context_data(**kwargs)
        rows = cluster_usage(self.project)
        if self.access.is_admin:
            for row in rows:
                if bound_form is not None and bound_form.cluster.pk == row.cluster.pk:
                    row.form = bound_form
                else:
                    row.form = QuotaForm.for_quota(row.cluster, row.quota)
        if bound_form is not None and all(row.form is not bound_form for row in rows):
            page_error = " ".join(bound_form.messages())  # its quota was removed meanwhile
        waiting = usage.waiting_by_cluster(self.project) if self.access.is_admin else {}
        for row in rows:
            row.waiting = waiting.get(row.cluster.pk, [])
        context.update(rows=rows, changes=recent_changes(self.project), page_error=page_error,
                       any_waiting=any(row.waiting for row in rows))
        return context

    def post(self, request, *args, **kwargs):
        try:
            quota = Quota.objects.select_related("cluster").get(
                project=self.project, cluster_id=int(request.POST.get("cluster", ""))
            )
        except (ValueError, Quota.DoesNotExist):
            return self.render_to_response(self.get_context_data(page_error="Unknown cluster."))
        cluster = quota.cluster
        form = QuotaForm(request.POST, cluster=cluster)
        if form.is_valid():
            try:
                saved = set_quota(self.project, cluster.pk, form.cleaned_data, user=request.user)
            except QuotaRefused as refused:
                for key, message in refused.errors.items():
                    form.add_error(key, message)
            else:
                if saved.change is None:
                    messages.info(request, f"Quota on {cluster.name} unchanged.")
                else:
                    messages.success(request, f"Quota on {cluster.name} saved.")
                for warning in saved.warnings:
                    messages.warning(request, warning)
                return redirect("projects:quotas", project=self.project.name)
        return self.render_to_response(self.get_context_data(bound_form=form))


class MembersView(ProjectMixin, TemplateView):
    """The project's members; admins add, change roles and remove (never the last admin)."""

    template_name = "projects/members.html"
    admin_required = True

    def get_context_data(self, add_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context["memberships"] = (
            Membership.objects.filter(project=self.project).select_related("user").order_by("user__username")
        )
        context["roles"] = Role.choices
        context["add_form"] = add_form or AddMemberForm(project=self.project)
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action == "add":
            form = AddMemberForm(request.POST, project=self.project)
            if form.is_valid():
                membership, created = add_member(self.project, form.user, form.cleaned_data["role"])
                if created:
                    messages.success(request, f"{form.user.get_username()} added as {membership.get_role_display()}.")
                    return redirect("projects:members", project=self.project.name)
                # Another admin added them between the form's check and our lock.
                form.add_error("username", already_a_member(membership))
            return self.render_to_response(self.get_context_data(add_form=form))
        try:
            membership_id = int(request.POST.get("membership", ""))
        except ValueError:
            membership_id = None
        try:
            if membership_id is None:
                raise NotAMember()
            if action == "role":
                form = RoleForm(request.POST)
                if not form.is_valid():
                    messages.error(request, "Choose a role: Member or Admin.")
                    return redirect("projects:members", project=self.project.name)
                membership, changed = change_role(self.project, membership_id, form.cleaned_data["role"])
                username, role = membership.user.get_username(), membership.get_role_display()
                if changed:
                    messages.success(request, f"{username} is now {role}.")
                else:
                    messages.info(request, f"{username} is already {role}: nothing changed.")
            elif action == "remove":
                membership = remove_member(self.project, membership_id)
                messages.success(request, f"{membership.user.get_username()} removed from {self.project}.")
                if membership.user_id == request.user.pk and not request.user.is_superuser:
                    return redirect("home")
            else:
                messages.error(request, "Unknown action.")
        except (LastAdminError, NotAMember) as error:
            messages.error(request, str(error))
        return redirect("projects:members", project=self.project.name)
