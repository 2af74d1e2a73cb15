"""The counter table behind the Workloads page's filter counts, and the triggers that keep it.

PostgreSQL: statement-level triggers with transition tables, one aggregated upsert per
statement (a bulk INSERT of 1M rows costs one GROUP BY, not 1M upserts), rows taken in
(project, type, status) order so concurrent writers lock counters in the same order. SQLite (the
embedded default, a single writer): row-level triggers. Existing workloads are counted once here.
"""

from django.db import migrations, models

COUNTS = "workloads_workloadcount"
WORKLOADS = "workloads_workload"

# Each statement's net change per (project, type, status), added to the counters.
PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION workloads_count_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO {COUNTS} (project_id, type, status, n)
        SELECT project_id, type, status, COUNT(*) FROM new_rows
        GROUP BY project_id, type, status ORDER BY project_id, type, status
        ON CONFLICT (project_id, type, status) DO UPDATE SET n = {COUNTS}.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO {COUNTS} (project_id, type, status, n)
        SELECT project_id, type, status, -COUNT(*) FROM old_rows
        GROUP BY project_id, type, status ORDER BY project_id, type, status
        ON CONFLICT (project_id, type, status) DO UPDATE SET n = {COUNTS}.n + EXCLUDED.n;
    ELSE
        INSERT INTO {COUNTS} (project_id, type, status, n)
        SELECT project_id, type, status, SUM(change) FROM (
            SELECT project_id, type, status, 1 AS change FROM new_rows
            UNION ALL
            SELECT project_id, type, status, -1 AS change FROM old_rows
        ) AS changes
        GROUP BY project_id, type, status HAVING SUM(change) <> 0 ORDER BY project_id, type, status
        ON CONFLICT (project_id, type, status) DO UPDATE SET n = {COUNTS}.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END $$;
"""
PG_TRIGGERS = [
    f"CREATE TRIGGER workloads_count_insert AFTER INSERT ON {WORKLOADS} "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION workloads_count_rows()",
    f"CREATE TRIGGER workloads_count_update AFTER UPDATE ON {WORKLOADS} "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION workloads_count_rows()",
    f"CREATE TRIGGER workloads_count_delete AFTER DELETE ON {WORKLOADS} "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION workloads_count_rows()",
]
PG_DROP = [
    f"DROP TRIGGER IF EXISTS workloads_count_{event} ON {WORKLOADS}" for event in ("insert", "update", "delete")
] + ["DROP FUNCTION IF EXISTS workloads_count_rows()"]

_ADD_NEW = (f"INSERT INTO {COUNTS} (project_id, type, status, n) VALUES (NEW.project_id, NEW.type, NEW.status, 1) "
            "ON CONFLICT (project_id, type, status) DO UPDATE SET n = n + 1;")
_REMOVE_OLD = f"UPDATE {COUNTS} SET n = n - 1 WHERE project_id = OLD.project_id AND type = OLD.type AND status = OLD.status;"
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER workloads_count_insert AFTER INSERT ON {WORKLOADS} BEGIN {_ADD_NEW} END",
    f"CREATE TRIGGER workloads_count_delete AFTER DELETE ON {WORKLOADS} BEGIN {_REMOVE_OLD} END",
    f"CREATE TRIGGER workloads_count_update AFTER UPDATE OF project_id, type, status ON {WORKLOADS} "
    "WHEN OLD.project_id IS NOT NEW.project_id OR OLD.type IS NOT NEW.type OR OLD.status IS NOT NEW.status "
    f"BEGIN {_REMOVE_OLD} {_ADD_NEW} END",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS workloads_count_{event}" for event in ("insert", "update", "delete")]

BACKFILL = (f"INSERT INTO {COUNTS} (project_id, type, status, n) "
            f"SELECT project_id, type, status, COUNT(*) FROM {WORKLOADS} GROUP BY project_id, type, status")


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            # No write may slip between the count and the triggers.
            cursor.execute(f"LOCK TABLE {WORKLOADS} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(PG_FUNCTION)
            statements = PG_TRIGGERS
        elif vendor == "sqlite":
            statements = SQLITE_TRIGGERS
        else:
            raise RuntimeError(f"workloads 0009: no counter triggers for {vendor}")
        cursor.execute(f"DELETE FROM {COUNTS}")
        cursor.execute(BACKFILL)
        for statement in statements:
            cursor.execute(statement)


def drop_triggers(apps, schema_editor):
    statements = PG_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("projects", "0006_cluster_skipped_objects"),
        ("workloads", "0008_stop_resume"),
    ]

    operations = [
        migrations.CreateModel(
            name="WorkloadCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("type", models.CharField(max_length=20)),
                ("status", models.CharField(max_length=20)),
                ("n", models.BigIntegerField(default=0)),
                ("project", models.ForeignKey(db_constraint=False, on_delete=models.deletion.DO_NOTHING,
                                              related_name="+", to="projects.project")),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("project", "type", "status"),
                                                        name="workloadcount_unique")],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
