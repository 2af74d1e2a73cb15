from django.contrib import admin

from workloads.models import Component, StatusChange, Workload, WorkloadEvent


class ComponentInline(admin.TabularInline):
    model = Component
    extra = 0


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    readonly_fields = ["from_status", "to_status", "reason", "at"]


@admin.register(Workload)
class WorkloadAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "cluster", "type", "status", "created_by_name", "created_at"]
    list_filter = ["status", "type", "cluster"]
    search_fields = ["name", "project__name"]
    list_select_related = ["project", "cluster"]
    raw_id_fields = ["created_by"]
    show_full_result_count = False
    inlines = [ComponentInline, StatusChangeInline]


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):
    list_display = ["workload", "kind", "name", "namespace", "state", "updated_at"]
    list_filter = ["kind", "state"]
    search_fields = ["name", "workload__name"]
    raw_id_fields = ["workload"]
    show_full_result_count = False


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    list_display = ["workload", "from_status", "to_status", "reason", "at"]
    list_filter = ["to_status"]
    raw_id_fields = ["workload"]
    show_full_result_count = False


@admin.register(WorkloadEvent)
class WorkloadEventAdmin(admin.ModelAdmin):
    """The Kubernetes Events kept per workload (written by the refresh; shown for support)."""

    list_display = ["workload", "type", "reason", "object_kind", "object_name", "count", "last_seen"]
    list_filter = ["type", "reason"]
    search_fields = ["workload__name", "object_name", "message"]
    raw_id_fields = ["workload"]
    show_full_result_count = False
