"""How many workloads each filter choice would show, and the filter's total, from one query.

The project's count per (type, status): read from the counter table the database keeps
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

from django.db.models import Count

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
        return WorkloadCount.objects.filter(project=project, n__gt=0).values_list("type", "status", "n")
    return (
        filterset.filtered_except(*COUNTED_FILTERS)
        .order_by()
        .values_list("type", "status")
        .annotate(rows=Count("*"))
    )


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
