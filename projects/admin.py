from django import forms
from django.contrib import admin, messages

from projects.models import Cluster, Membership, Project, Quota, QuotaChange
from projects.quotas import QuotaRefused, lock_cluster, set_quota
from projects.resources import RESOURCES


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class QuotaInline(admin.TabularInline):
    """The project's quotas, read only: they change on the Quota pages (one locked path)."""

    model = Quota
    extra = 0
    fields = readonly_fields = ["cluster", "namespace", "gpu", "cpu_millicores", "memory_bytes"]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "display_name", "created_at"]
    search_fields = ["name", "display_name"]
    inlines = [MembershipInline, QuotaInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "project", "role"]
    list_filter = ["role", "project"]
    search_fields = ["user__username", "project__name"]
    autocomplete_fields = ["user", "project"]


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "api_url",
        "context",
        "in_cluster",
        "reachable",
        "last_seen_at",
        "capacity_gpu",
        "skipped_objects",
    ]
    list_filter = ["reachable"]
    search_fields = ["name", "display_name"]
    readonly_fields = [
        "reachable",
        "last_seen_at",
        "unreachable_since",
        "last_error",
        "skipped_objects",
        "skipped_reason",
    ]


class QuotaAdminForm(forms.ModelForm):
    """Checks the quota against the cluster's capacity under the cluster's lock.

    The lock is taken in `clean` and lasts to the end of the admin's request transaction
    (`ModelAdmin.changeform_view` runs a POST in one), so `set_quota` in `save_model` writes
    what was checked: a refusal is a form error, never a 500.
    """

    class Meta:
        model = Quota
        fields = ["project", "cluster", "namespace", "gpu", "cpu_millicores", "memory_bytes"]

    def clean(self):
        cleaned = super().clean()
        project = cleaned.get("project") or getattr(self.instance, "project", None)
        cluster = cleaned.get("cluster") or getattr(self.instance, "cluster", None)
        amounts = {r.key: cleaned.get(r.quota_field) for r in RESOURCES}
        if project is None or cluster is None or None in amounts.values():
            return cleaned
        try:
            refusals = lock_cluster(cluster.pk).refusals(project.pk, amounts)
        except QuotaRefused as refused:
            refusals = refused.errors
        fields = {r.key: r.quota_field for r in RESOURCES}
        for key, message in refusals.items():
            self.add_error(fields.get(key), message)
        return cleaned


@admin.register(Quota)
class QuotaAdmin(admin.ModelAdmin):
    """Which clusters a project may use, its namespace and amounts there (platform admins)."""

    form = QuotaAdminForm
    list_display = ["project", "cluster", "namespace", "gpu", "cpu_millicores", "memory_bytes", "updated_at"]
    list_filter = ["cluster"]
    search_fields = ["project__name", "cluster__name", "namespace"]

    def get_readonly_fields(self, request, obj=None):
        # A quota belongs to one project on one cluster: another pair is another quota.
        return ["project", "cluster"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        saved = set_quota(
            obj.project, obj.cluster_id, {r.key: getattr(obj, r.quota_field) for r in RESOURCES},
            user=request.user, namespace=obj.namespace,
        )
        obj.pk = saved.quota.pk
        obj.refresh_from_db()
        obj._state.adding = False
        for warning in saved.warnings:
            messages.warning(request, warning)


@admin.register(QuotaChange)
class QuotaChangeAdmin(admin.ModelAdmin):
    """The quota history, written by every quota change (`set_quota`)."""

    list_display = ["project", "cluster", "changed_by_name", "at", "old_gpu", "new_gpu"]
    list_filter = ["cluster"]
    search_fields = ["project__name", "cluster__name", "changed_by_name"]
