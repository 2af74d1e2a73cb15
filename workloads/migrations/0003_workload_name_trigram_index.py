"""On PostgreSQL, a trigram index serves the Workloads page's "name contains" filter.

A b-tree cannot serve Django's icontains (`UPPER(name) LIKE UPPER(%text%)`); at 1M workloads
that filter scanned the project's rows (220 ms). The index is on the same expression.
pg_trgm ships with PostgreSQL but creating an extension needs privileges a production role may
lack: then the migration says so and goes on without the index (the filter still works).
"""

from django.db import migrations

INDEX = "workload_name_trgm"


def create_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        try:
            cursor.execute("SAVEPOINT before_pg_trgm")
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute("RELEASE SAVEPOINT before_pg_trgm")
        except Exception as error:  # noqa: BLE001 - privileges vary; the index is an optimisation
            cursor.execute("ROLLBACK TO SAVEPOINT before_pg_trgm")
            print(f"\n  pg_trgm unavailable ({error}); name search will work without its index.")
            return
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON workloads_workload USING gin ((UPPER(name::text)) gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("workloads", "0002_workload_create_attempts")]

    operations = [migrations.RunPython(create_index, drop_index)]
