"""Counter rows are only ever added: the triggers of 0009 upserted one row per (project, type,
status), which locks it until the writer commits, so a launch waited for a refresh's whole
transaction and two refreshes of one project could deadlock. Now each statement INSERTs its
changes (+n / -n); a project's count is their SUM, and the page folds the rows when they pile
up (workloads.web.counts). The unique constraint goes; the functions and triggers are replaced.
"""

import importlib

from django.db import migrations

COUNTS = "workloads_workloadcount"
WORKLOADS = "workloads_workload"

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION workloads_count_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO {COUNTS} (project_id, type, status, n)
        SELECT project_id, type, status, COUNT(*) FROM new_rows GROUP BY project_id, type, status;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO {COUNTS} (project_id, type, status, n)
        SELECT project_id, type, status, -COUNT(*) FROM old_rows GROUP BY project_id, type, status;
    ELSE
        INSERT INTO {COUNTS} (project_id, type, status, n)
        SELECT project_id, type, status, SUM(change) FROM (
            SELECT project_id, type, status, 1 AS change FROM new_rows
            UNION ALL
            SELECT project_id, type, status, -1 AS change FROM old_rows
        ) AS changes
        GROUP BY project_id, type, status HAVING SUM(change) <> 0;
    END IF;
    RETURN NULL;
END $$;
"""

_ADD_NEW = f"INSERT INTO {COUNTS} (project_id, type, status, n) VALUES (NEW.project_id, NEW.type, NEW.status, 1);"
_REMOVE_OLD = f"INSERT INTO {COUNTS} (project_id, type, status, n) VALUES (OLD.project_id, OLD.type, OLD.status, -1);"
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER workloads_count_insert AFTER INSERT ON {WORKLOADS} BEGIN {_ADD_NEW} END",
    f"CREATE TRIGGER workloads_count_delete AFTER DELETE ON {WORKLOADS} BEGIN {_REMOVE_OLD} END",
    f"CREATE TRIGGER workloads_count_update AFTER UPDATE OF project_id, type, status ON {WORKLOADS} "
    "WHEN OLD.project_id IS NOT NEW.project_id OR OLD.type IS NOT NEW.type OR OLD.status IS NOT NEW.status "
    f"BEGIN {_REMOVE_OLD} {_ADD_NEW} END",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS workloads_count_{event}" for event in ("insert", "update", "delete")]

# Back to one row per pair (what 0009's upserts and unique constraint need).
FOLD_ALL = [
    f"CREATE TEMPORARY TABLE workload_count_sums AS SELECT project_id, type, status, SUM(n) AS n FROM {COUNTS} "
    "GROUP BY project_id, type, status",
    f"DELETE FROM {COUNTS}",
    f"INSERT INTO {COUNTS} (project_id, type, status, n) SELECT project_id, type, status, n FROM workload_count_sums",
    "DROP TABLE workload_count_sums",
]


def drop_sqlite_triggers(apps, schema_editor):
    """SQLite rebuilds a table to drop a constraint; a trigger naming the dropped table stops the rename."""
    if schema_editor.connection.vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            for statement in SQLITE_DROP:
                cursor.execute(statement)


def only_add_rows(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(PG_FUNCTION)  # the triggers of 0009 call it by name
        else:
            for statement in SQLITE_TRIGGERS:
                cursor.execute(statement)


def upsert_again(apps, schema_editor):
    """Reverse: one row per pair again, 0009's upserting function (PostgreSQL); SQLite's 0009
    triggers come back after the constraint (restore_sqlite_triggers)."""
    previous = importlib.import_module("workloads.migrations.0009_workload_counts")
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        for statement in FOLD_ALL:
            cursor.execute(statement)
        if vendor == "postgresql":
            cursor.execute(previous.PG_FUNCTION)
        else:
            for statement in SQLITE_DROP:
                cursor.execute(statement)


def restore_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        previous = importlib.import_module("workloads.migrations.0009_workload_counts")
        with schema_editor.connection.cursor() as cursor:
            for statement in previous.SQLITE_TRIGGERS:
                cursor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("workloads", "0011_why_and_events"),
    ]

    operations = [
        migrations.RunPython(drop_sqlite_triggers, restore_sqlite_triggers),
        migrations.RemoveConstraint(model_name="workloadcount", name="workloadcount_unique"),
        migrations.RunPython(only_add_rows, upsert_again),
    ]
