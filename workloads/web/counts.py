"""How many workloads each filter choice would show, and the filter's total, from one query.

The project's count per (type, status): summed from the counter rows the database keeps
(`WorkloadCount`, migration 0009) when only type and status are filtered, else one
`SELECT type, status, COUNT(*) ... GROUP BY type, status` over the rows the other filters (the
name) let through. At most types x statuses rows come back, and every number the page shows
follows from them in Python:
- per status: the pairs whose type is chosen (the type filter applied, the status one not);
- per type: the pairs whose status is chosen;
- the total: the pairs whose type and status are both chosen (exact, so no COUNT for the pager).

Cost: the counter table is a read of at most types x statuses rows whatever the project's size.
The grouped count (a name filter) was, without a name filter, an index-only scan of the project's entries of
(project, type, status) with a hash aggregate; it reads the index (~20 bytes an entry), never
the table. It still grows with the project: measured at 300k rows of one project ~60 ms (see
the migration 0007 docstring); a name filter goes through the trigram index and counts only the
matches.
"""

from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, Sum

from workloads.models import WorkloadCount

# Filters the counter table answers for: any other one (the name) needs the grouped count.
COUNTED_FILTERS = ("type", "status")


@dataclass(frozen=True)
class FilterCounts:
    by_status: dict[str, int] = field(default_factory=dict)
    by_type: dict[str, int] = field(default_factory=dict)
    total: int = 0

    def of(self, filter_name) -> dict[str, int]:
        return {"status": self.by_status, "type": self.by_type}[filter_name]


def project_pairs(filterset, project):
    """(type, status, rows) of the project's workloads the filters other than type and status let through."""
    others = {name: value for name, value in filterset.form.cleaned_data.items() if name not in COUNTED_FILTERS}
    if not any(others.values()):
        return counted_pairs(project)
    return (
        filterset.filtered_except(*COUNTED_FILTERS)
        .order_by()
        .values_list("type", "status")
        .annotate(rows=Count("*"))
    )


# A project's counter rows (one per change) are folded into one per pair beyond this many.
FOLD_AFTER = 200


def counted_pairs(project) -> list[tuple[str, str, int]]:
    """(type, status, workloads) of the project from its counter rows, one query (two more,
    now and then, when the rows have piled up and are folded)."""
    sums = list(
        WorkloadCount.objects.filter(project=project).order_by()
        .values_list("type", "status").annotate(total=Sum("n"), rows=Count("id"))
    )
    if sum(rows for *_, rows in sums) > FOLD_AFTER:
        fold(project.pk)
    return [(workload_type, status, total) for workload_type, status, total, _ in sums if total]


def fold(project_id):
    """Replace the project's counter rows by one per (type, status) holding their sum. Rows a
    concurrent writer adds meanwhile are left as they are; a concurrent fold finds nothing left."""
    table = WorkloadCount._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH gone AS (DELETE FROM {table} WHERE project_id = %s RETURNING type, status, n) "  # noqa: S608
                f"INSERT INTO {table} (project_id, type, status, n) "
                "SELECT %s, type, status, SUM(n) FROM gone GROUP BY type, status HAVING SUM(n) <> 0",
                [project_id, project_id],
            )
        else:  # SQLite: a single writer, the transaction is the lock
            cursor.execute(f"SELECT type, status, SUM(n) FROM {table} WHERE project_id = %s "  # noqa: S608
                           "GROUP BY type, status HAVING SUM(n) <> 0", [project_id])
            sums = cursor.fetchall()
            cursor.execute(f"DELETE FROM {table} WHERE project_id = %s", [project_id])  # noqa: S608
            cursor.executemany(f"INSERT INTO {table} (project_id, type, status, n) VALUES (%s, %s, %s, %s)",  # noqa: S608
                               [(project_id, *row) for row in sums])


def filter_counts(filterset, project) -> FilterCounts | None:
    """The counts for the filterset's current choices in `project` (whose workloads the
    filterset's queryset holds, as the user may see them); None when its values are invalid."""
    if not filterset.is_valid():
        return None
    types, statuses = set(filterset.chosen("type")), set(filterset.chosen("status"))
    pairs = project_pairs(filterset, project)
    by_status, by_type, total = {}, {}, 0
    for workload_type, status, rows in pairs:
        if workload_type in types:
            by_status[status] = by_status.get(status, 0) + rows
        if status in statuses:
            by_type[workload_type] = by_type.get(workload_type, 0) + rows
        if workload_type in types and status in statuses:
            total += rows
    return FilterCounts(by_status, by_type, total)
