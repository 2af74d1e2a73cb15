"""The Workloads page's current view (every page of it) as a CSV download."""

import csv

from django.http import HttpResponse
from django.utils import timezone

from workloads.web.tables import WorkloadTable

EXCLUDED_COLUMNS = ("select", "actions")


def csv_response(rows, *, project, order_by) -> HttpResponse:
    """`rows` (filtered and scoped) as CSV, through the table's values and ordering."""
    table = WorkloadTable(rows, project=project, order_by=order_by or None)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="workloads-{project.name}-{stamp}.csv"'
    writer = csv.writer(response)
    for row in table.as_values(exclude_columns=EXCLUDED_COLUMNS):
        writer.writerow(row)
    return response
