"""Who a provider's account is here, and which project roles a provider's group gives."""

from django.conf import settings
from django.db import models

from projects.models import Project, Role


class Identity(models.Model):
    """One account at one OpenID Provider (issuer + subject), signed in as one user.

    People are found by this pair only, never by e-mail: an address can be reused or
    changed at the provider, a subject cannot."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="identities")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "identities"
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="identity_unique_subject")]
        ordering = ["issuer", "subject"]

    def __str__(self):
        return f"{self.subject} at {self.issuer}"


class GroupMapping(models.Model):
    """Members of `group` (the provider's group claim) get `role` in `project` at sign-in."""

    group = models.CharField(max_length=255, help_text="The group's name exactly as the provider sends it.")
    project = models.ForeignKey(Project, models.CASCADE, related_name="group_mappings")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "project"], name="groupmapping_unique")]
        ordering = ["group", "project"]

    def __str__(self):
        return f"{self.group} -> {self.project} ({self.get_role_display()})"
