from django.contrib import admin

from sso.models import GroupMapping, Identity


@admin.register(GroupMapping)
class GroupMappingAdmin(admin.ModelAdmin):
    """Which project role each provider group gives (applied at every single sign-on)."""

    list_display = ["group", "project", "role"]
    list_filter = ["role", "project"]
    search_fields = ["group", "project__name"]
    autocomplete_fields = ["project"]


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    """Accounts at the provider and the users they sign in as; made at first sign-in."""

    list_display = ["user", "issuer", "subject", "last_sign_in_at"]
    search_fields = ["user__username", "subject"]
    readonly_fields = ["issuer", "subject", "created_at", "last_sign_in_at"]
    autocomplete_fields = ["user"]
