"""Bulk updates of many rows with different values, fast on PostgreSQL.

Django's `bulk_update` builds one `CASE WHEN id=... THEN ...` per field and row; at 10k rows
that SQL took ~10 s to compile and parse here. On PostgreSQL we send one
`UPDATE ... FROM (VALUES ...)` per batch instead; other databases (the embedded SQLite) keep
`bulk_update`.
"""

from django.conf import settings
from django.db import connection


def bulk_update(model, objects, fields, batch_size=None) -> int:
    """Write `fields` of `objects` (model instances with a pk); returns the rows written."""
    batch_size = batch_size or settings.WRITE_BATCH_SIZE
    objects = list(objects)
    if not objects:
        return 0
    if connection.vendor != "postgresql":
        return model.objects.bulk_update(objects, fields, batch_size=batch_size)
    meta = model._meta
    pk = meta.pk
    columns = [pk] + [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    placeholder = "(" + ", ".join(f"CAST(%s AS {field.db_type(connection)})" for field in columns) + ")"
    assignments = ", ".join(f"{quote(field.column)} = v.{quote(field.column)}" for field in columns[1:])
    names = ", ".join(quote(field.column) for field in columns)
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objects), batch_size):
            batch = objects[start : start + batch_size]
            params = [
                field.get_db_prep_save(getattr(obj, field.attname), connection)
                for obj in batch
                for field in columns
            ]
            sql = (
                f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "  # noqa: S608 (names from the model)
                f"FROM (VALUES {', '.join([placeholder] * len(batch))}) AS v({names}) "
                f"WHERE t.{quote(pk.column)} = v.{quote(pk.column)}"
            )
            cursor.execute(sql, params)
            written += cursor.rowcount
    return written
