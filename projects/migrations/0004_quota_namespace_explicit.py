"""Quotas with an empty namespace used the project's name: store that name explicitly."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def name_empty_namespaces(apps, schema_editor):
    Quota = apps.get_model("projects", "Quota")
    Project = apps.get_model("projects", "Project")
    Quota.objects.filter(namespace="").update(
        namespace=Subquery(Project.objects.filter(pk=OuterRef("project_id")).values("name")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [("projects", "0003_quotachange")]

    operations = [migrations.RunPython(name_empty_namespaces, migrations.RunPython.noop)]
