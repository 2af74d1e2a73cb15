"""Migration 0004: quotas stored with an empty namespace get their project's name, the one
they used; 0005 then refuses empty namespaces."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("projects", "0003_quotachange")]
AFTER = [("projects", "0005_quota_namespace_required")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def latest_schema_afterwards():
    """Leave the database at the latest migrations, whatever came after 0005: the tests after
    this one expect the current schema."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_empty_namespaces_become_the_project_name():
    apps = migrate(BEFORE)
    try:
        Project, Cluster, Quota = (apps.get_model("projects", name) for name in ("Project", "Cluster", "Quota"))
        vision = Project.objects.create(name="vision", display_name="Vision")
        nlp = Project.objects.create(name="nlp", display_name="NLP")
        cluster = Cluster.objects.create(name="east", api_url="http://127.0.0.1:1")
        Quota.objects.create(project=vision, cluster=cluster, namespace="")
        Quota.objects.create(project=nlp, cluster=cluster, namespace="nlp-team")
    finally:
        apps = migrate(AFTER)
    Quota = apps.get_model("projects", "Quota")
    assert dict(Quota.objects.values_list("project__name", "namespace")) == {"vision": "vision", "nlp": "nlp-team"}
