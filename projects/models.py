"""Who may use what: projects, their members, the clusters and each project's quota on them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

dns_label_validator = RegexValidator(
    r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",
    "Use at most 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit.",
)


class ProjectQuerySet(models.QuerySet):
    def for_user(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(memberships__user=user)


class Project(models.Model):
    name = models.CharField(max_length=63, unique=True, validators=[dns_label_validator])
    display_name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.display_name or self.name


class Role(models.TextChoices):
    MEMBER = "member", "Member"
    ADMIN = "admin", "Admin"


class MembershipQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(project__in=Project.objects.for_user(user))


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships")
    project = models.ForeignKey(Project, models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "project"], name="membership_unique")]
        ordering = ["project", "user"]

    def __str__(self):
        return f"{self.user} in {self.project} ({self.get_role_display()})"

    @property
    def is_admin(self):
        return self.role == Role.ADMIN


class ClusterQuerySet(models.QuerySet):
    def for_user(self, user):
        if user.is_authenticated and user.is_superuser:
            return self.all()
        return self.filter(quotas__project__in=Project.objects.for_user(user)).distinct()


class Cluster(models.Model):
    """A Kubernetes cluster, reached by a kubeconfig context, an API URL with a token, or (the
    cluster devcenter runs in) its pod's service account."""

    name = models.CharField(max_length=63, unique=True, validators=[dns_label_validator])
    display_name = models.CharField(max_length=100, blank=True)
    api_url = models.URLField(blank=True, help_text="API server URL, used with the token.")
    token = models.TextField(blank=True, help_text="Bearer token for the API URL.")
    kubeconfig = models.CharField(max_length=500, blank=True, help_text="Path to a kubeconfig file.")
    context = models.CharField(max_length=200, blank=True, help_text="Context in the kubeconfig.")
    verify_ssl = models.BooleanField(default=True)
    in_cluster = models.BooleanField(
        "this cluster",
        default=False,
        help_text="devcenter runs in this cluster: use its pod's service account (token and CA) "
        "instead of a kubeconfig or a token.",
    )
    workload_base_url = models.URLField(
        blank=True, help_text="Where workspaces are published, e.g. https://ws.example.com"
    )
    capacity_gpu = models.PositiveIntegerField(default=0)
    capacity_cpu_millicores = models.PositiveBigIntegerField(default=0)
    capacity_memory_bytes = models.PositiveBigIntegerField(default=0)
    reachable = models.BooleanField(default=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    unreachable_since = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # When the last refresh finished, successful or not: the page polls until it passes.
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    # Objects the last refresh left out because they could not be read (untrusted input), and why.
    skipped_objects = models.PositiveIntegerField(default=0)
    skipped_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClusterQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.display_name or self.name

    def clean(self):
        if self.in_cluster and (self.kubeconfig or self.api_url or self.token):
            raise ValidationError(
                "This cluster is reached with the pod's service account: leave the kubeconfig, API URL and token empty."
            )
        if not self.in_cluster and not self.kubeconfig and not self.api_url:
            raise ValidationError(
                "Give either a kubeconfig (and context), an API URL with a token, or tick \"this cluster\"."
            )


class Quota(models.Model):
    """A project's limit on one cluster, and the namespace the project uses there.

    Which clusters a project may use, and its namespace on each, are the platform admin's
    choice (Django admin); project admins change the amounts only. Every change of the amounts
    goes through `projects.quotas.set_quota`, which locks the cluster's quotas: a check here
    would read an unlocked sum.
    """

    project = models.ForeignKey(Project, models.CASCADE, related_name="quotas")
    cluster = models.ForeignKey(Cluster, models.PROTECT, related_name="quotas")
    namespace = models.CharField(
        max_length=63, validators=[dns_label_validator],
        help_text="Namespace of the project on this cluster (usually the project's name).",
    )
    gpu = models.PositiveIntegerField(default=0)
    cpu_millicores = models.PositiveBigIntegerField(default=0)
    memory_bytes = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "cluster"], name="quota_unique_project_cluster"),
            models.CheckConstraint(
                condition=Q(gpu__gte=0) & Q(cpu_millicores__gte=0) & Q(memory_bytes__gte=0),
                name="quota_not_negative",
            ),
            models.CheckConstraint(condition=~Q(namespace=""), name="quota_namespace_not_empty"),
        ]
        ordering = ["project", "cluster"]

    def __str__(self):
        return f"{self.project} on {self.cluster}"

    def save(self, *args, **kwargs):
        # Stored, never implied: code that creates a quota without a namespace gets the project's name.
        if not self.namespace and self._state.adding:
            self.namespace = self.project.name
        super().save(*args, **kwargs)

    @property
    def effective_namespace(self):
        """The namespace (kept for its readers: it used to fall back to the project's name)."""
        return self.namespace


class QuotaChange(models.Model):
    """One edit of a project's quota on a cluster: who, when, old -> new per resource."""

    project = models.ForeignKey(Project, models.CASCADE, related_name="quota_changes")
    cluster = models.ForeignKey(Cluster, models.CASCADE, related_name="quota_changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_by_name = models.CharField(max_length=150)
    at = models.DateTimeField(auto_now_add=True)
    old_gpu = models.PositiveIntegerField(default=0)
    new_gpu = models.PositiveIntegerField(default=0)
    old_cpu_millicores = models.PositiveBigIntegerField(default=0)
    new_cpu_millicores = models.PositiveBigIntegerField(default=0)
    old_memory_bytes = models.PositiveBigIntegerField(default=0)
    new_memory_bytes = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["project", "at"], name="quotachange_project_at")]

    def __str__(self):
        return f"{self.project} on {self.cluster} by {self.changed_by_name}"
