from django.contrib import admin

from projects.models import Cluster, Membership, Project, Quota, QuotaChange


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class QuotaInline(admin.TabularInline):
    model = Quota
    extra = 0


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


@admin.register(Quota)
class QuotaAdmin(admin.ModelAdmin):
    list_display = ["project", "cluster", "gpu", "cpu_millicores", "memory_bytes", "updated_at"]
    list_filter = ["cluster"]
    search_fields = ["project__name", "cluster__name"]


@admin.register(QuotaChange)
class QuotaChangeAdmin(admin.ModelAdmin):
    """The quota history, written by the quotas page."""

    list_display = ["project", "cluster", "changed_by_name", "at", "old_gpu", "new_gpu"]
    list_filter = ["cluster"]
    search_fields = ["project__name", "cluster__name", "changed_by_name"]
