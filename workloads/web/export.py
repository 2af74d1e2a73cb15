"""The Workloads page's current view (every page of it) as a CSV download.

Streamed: rows are read from the database in chunks and written as they come, so a large
export holds one chunk in memory, not the file. At most `WORKLOADS_EXPORT_MAX_ROWS` rows; a
last line says so when the view has more. Safe to open in a spreadsheet: a text cell that
would start a formula is neutralised (OWASP "CSV Injection"), numbers stay numbers.
"""

import csv
import inspect

from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django_tables2 import A
from django_tables2.columns import Column
from django_tables2.rows import BoundRow

from workloads.web.tables import WorkloadTable

EXCLUDED_COLUMNS = ("select", "actions")
CHUNK_ROWS = 2000  # rows per database fetch while streaming
# A cell starting with one of these is read as a formula by spreadsheets (OWASP CSV Injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell a spreadsheet would read as a formula, prefixed with `'` (OWASP); numbers
    (GPU counts) are no text and stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def cut_line(max_rows: int) -> str:
    return f"Export cut at {max_rows:,} rows: narrow the filters to export the rest."


class ExportColumns:
    """The table's exported columns, each read as `Table.as_values` reads it (`value_<name>`,
    else the accessor's value, a choice field by its label), with each column's arguments
    worked out once: as_values inspects the value function's signature for every cell, which
    was most of the time of a large export."""

    CELL_ARGUMENTS = ("value", "record", "column", "bound_column", "table")

    def __init__(self, table, exclude=()):
        self.table = table
        self.columns = [
            bound for bound in table.columns.iterall()
            if not (bound.column.exclude_from_export or bound.name in exclude)
        ]
        # Headers a program reads: the column names, units in them ("cpu_cores", "memory_bytes").
        self.headers = [bound.name for bound in self.columns]
        self._readers = [self._reader(bound) for bound in self.columns]

    def values(self, record) -> list:
        return [force_str(read(record), strings_only=True) for read in self._readers]

    def _reader(self, bound):
        column = bound.column
        value_of = bound.value
        passes_through = (
            getattr(value_of, "__func__", None) is Column.value and type(column).render is Column.render
        )
        wanted = None if passes_through else list(inspect.signature(value_of).parameters)
        if wanted is not None and not set(wanted) <= set(self.CELL_ARGUMENTS):
            # **kwargs or bound_row: let django-tables2 read it (slower, same value).
            return lambda record: BoundRow(record, table=self.table).get_cell_value(bound.name)
        accessor = A(bound.accessor)
        field = accessor.get_field(self.table.data.model)
        # A choice field reads as its label (what get_<field>_display gives, without rebuilding
        # the choices for every cell).
        labels = dict(make_hashable(field.flatchoices)) if field is not None and field.choices and len(
            accessor.bits) == 1 else None
        empty_values = column.empty_values

        def read(record):
            if labels is None:
                value = accessor.resolve(record, quiet=True)
            else:
                value = getattr(record, field.attname)
                value = force_str(labels.get(make_hashable(value), value), strings_only=True)
            if value in empty_values:
                return None
            if wanted is None:
                return value
            given = {"value": value, "record": record, "column": column, "bound_column": bound, "table": self.table}
            return value_of(**{name: given[name] for name in wanted})

        return read


class _Lines:
    """The file `csv.writer` writes to: hands each formatted line back instead of keeping it."""

    def write(self, line: str) -> str:
        return line


def csv_lines(table, max_rows: int):
    """The header, then up to `max_rows` rows of the table's (ordered) queryset, then the cut
    line when there were more."""
    columns = ExportColumns(table, exclude=EXCLUDED_COLUMNS)
    # Text quoted (a spreadsheet splitting on another separator keeps each cell whole), numbers bare.
    writer = csv.writer(_Lines(), quoting=csv.QUOTE_NONNUMERIC)
    yield writer.writerow([neutralise(header) for header in columns.headers])
    # One row past the cap tells whether there are more, without counting them.
    for written, record in enumerate(table.data.data[: max_rows + 1].iterator(chunk_size=CHUNK_ROWS)):
        if written == max_rows:
            yield writer.writerow([cut_line(max_rows)])
            return
        yield writer.writerow([neutralise(value) for value in columns.values(record)])


def csv_response(rows, *, project, order_by) -> StreamingHttpResponse:
    """`rows` (filtered and scoped) as CSV, through the table's columns and ordering."""
    table = WorkloadTable(rows, project=project, order_by=order_by or None)
    response = StreamingHttpResponse(
        csv_lines(table, settings.WORKLOADS_EXPORT_MAX_ROWS), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="workloads-{project.name}-{stamp}.csv"'
    return response
