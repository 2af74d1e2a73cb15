"""The Workloads table: columns are declared here, formatting in render_<column>."""

import copy
from datetime import UTC
from decimal import Decimal
from types import SimpleNamespace

import django_tables2 as tables
from django.template.defaulttags import querystring
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from workloads.models import Workload, status_lifecycle_rank, status_rank
from workloads.web import cells, display
from workloads.web.cursor import Cursor, encode
from workloads.web.fast_html import escaped, html
from workloads.web.links import with_workspace_routes
from workloads.web.live import row_version
from workloads.web.pagination import KeysetPaginator, SortKey, json_key, keyset_page, page_size, page_sizes


class CellColumn(tables.Column):
    """A column whose page cell is built by a function of `cells` (record, RowContext): the
    table's rows are rendered in Python (WorkloadTable.rows_html), not a template per cell."""

    def __init__(self, cell, **kwargs):
        kwargs.setdefault("empty_values", ())
        super().__init__(**kwargs)
        self.cell = cell

    def render(self, record, table):
        return self.cell(record, table.row_context)


class SelectColumn(CellColumn):
    """A checkbox per row for bulk actions; the header selects the whole page."""

    def __init__(self, **kwargs):
        super().__init__(cells.select_cell, orderable=False, exclude_from_export=True, **kwargs)

    @property
    def header(self):
        return mark_safe('<input type="checkbox" data-select-all aria-label="Select all rows on this page">')


class ExportColumn(tables.Column):
    """A column only the CSV has (its header is the column's name), never shown on the page."""

    def __init__(self, accessor):
        super().__init__(accessor=accessor, visible=False, orderable=False)


def shown_only(**kwargs):
    """Keyword arguments of a column the page shows but the CSV replaces with an ExportColumn."""
    return {"exclude_from_export": True, **kwargs}


class WorkloadTable(tables.Table):
    """Every sortable column orders by (field, id): pages stay stable when values tie. Each
    ordering has its index on (project, field, id) (migration 0007)."""

    select = SelectColumn(verbose_name="Select", attrs={"td": {"class": "select"}, "th": {"class": "select"}})
    name = tables.Column(order_by=("name", "id"), linkify=lambda record, table: table.detail_url(record),
                         attrs={"td": {"class": "name"}, "th": {"class": "name"}})
    type = tables.Column(order_by=("type", "id"))
    # By cluster id, which groups a project's rows by cluster through the (project, cluster, id)
    # index; by the cluster's name it was a sort of every row: 1.1-1.7 s at 300k rows.
    cluster = tables.Column(order_by=("cluster_id", "id"))
    gpu = tables.Column("GPU", accessor="requested_gpu", order_by=("requested_gpu", "id"),
                        attrs={"cell": {"class": "numeric"}})
    cpu = tables.Column("CPU", accessor="requested_cpu_millicores", **shown_only(
        order_by=("requested_cpu_millicores", "id"), attrs={"cell": {"class": "numeric"}}))
    cpu_cores = ExportColumn("requested_cpu_millicores")
    memory = tables.Column("Memory", accessor="requested_memory_bytes", **shown_only(
        order_by=("requested_memory_bytes", "id"), attrs={"cell": {"class": "numeric"}}))
    memory_bytes = ExportColumn("requested_memory_bytes")
    # Sorted in lifecycle order (order_status), not alphabetically.
    status = CellColumn(cells.status_cell, order_by=("status", "id"))
    # How long an Added/Pending workload has waited: since it was added, so it sorts by
    # created_at (ascending: the longest waiting first) on the (project, created_at, id) index.
    waiting = CellColumn(cells.waiting_cell, verbose_name="Waiting", order_by=("created_at", "id"),
                         exclude_from_export=True,
                         attrs={"td": {"class": "waiting"}, "th": {"class": "waiting"}})
    created = tables.Column("Created", accessor="created_at", **shown_only(order_by=("created_at", "id")))
    created_at = ExportColumn("created_at")
    created_by = ExportColumn("created_by_name")
    actions = CellColumn(
        cells.actions_cell, orderable=False, exclude_from_export=True,
        attrs={"td": {"class": "actions"}, "th": {"class": "actions"}},
    )

    class Meta:
        order_by_field = "sort"
        order_by = ("-created",)
        template_name = "workloads/_table.html"
        attrs = {"class": "table workloads", "id": "workloads"}
        empty_text = "No workloads match these filters."

    def __init__(self, *args, project, cursor=None, view_digest="", **kwargs):
        self.project = project
        self.now = timezone.now()
        # Where the page starts (keyset paging, web/cursor.py) and the view its links are made for.
        self.cursor, self.view_digest = cursor, view_digest
        # Set by the list view: the filter's counts (its total in the pager) and whether the view
        # is filtered (the empty state then offers Clear filters).
        self.filter_counts, self.is_filtered, self.page_count = None, False, None
        super().__init__(*args, **kwargs)
        self._row_context, self._records, self._records_of = None, None, None

    def sort_key(self) -> SortKey | None:
        """The ordering as one key plus id (what a cursor can mark), None for several keys."""
        aliases = list(self.order_by or ())
        if len(aliases) != 1 or aliases[0].bare not in self.columns:
            return None
        name, descending = aliases[0].bare, aliases[0].is_descending
        if name == "status":
            return SortKey(status_lifecycle_rank(), lambda record: status_rank(record.status), descending)
        field = self.base_columns[name].order_by[0]
        return SortKey(field, lambda record: json_key(getattr(record, field)), descending)

    def paginate(self, paginator_class=None, per_page=None, page=1, *args, **kwargs):
        """page=N: an OFFSET (shallow pages, CappedLazyPaginator); a cursor: the rows past it."""
        key = self.sort_key()
        if self.cursor is None or key is None:
            return super().paginate(paginator_class, per_page, page, *args, **kwargs)
        self.paginator = KeysetPaginator(page_size(per_page))
        self.page, self._records = keyset_page(self.data.data, key, self.cursor, self.paginator.per_page)
        self._records_of = self.page
        return self

    @property
    def page_records(self) -> list:
        """The records the page shows, read once (the page django-tables2 settled on, or the keyset's)."""
        page = getattr(self, "page", None)
        if getattr(self, "_records_of", None) is not page or self._records is None:
            self._records = [row.record for row in (page.object_list if page is not None else self.rows)]
        self._records_of = page
        return self._records

    def page_link(self, **changes) -> str:
        """This view's URL with `changes` (page, cursor), without what only one page had."""
        query = self.request.GET.copy()
        for name in ("page", "cursor", "refresh_since", "_export"):
            query.pop(name, None)
        for name, value in changes.items():
            query[name] = value
        return f"?{query.urlencode()}" if query else self.request.path

    @property
    def next_link(self) -> str:
        """Next: a cursor after the last row (an OFFSET page when the order has no single key)."""
        page = getattr(self, "page", None)
        if page is None or not page.has_next() or not self.page_records:
            return ""
        number = page.number + 1
        key = self.sort_key()
        if key is None:
            return self.page_link(page=number) if number <= self.paginator.max_page else ""
        last = self.page_records[-1]
        return self.page_link(cursor=encode(Cursor(key.value(last), last.pk, number), self.view_digest))

    @property
    def previous_link(self) -> str:
        page = getattr(self, "page", None)
        if page is None or not page.has_previous():
            return ""
        number = page.number - 1
        key = self.sort_key()
        if number <= 1 or not self.page_records:
            return self.page_link()  # the first page is the plain URL
        if key is None:
            return self.page_link(page=number)
        first = self.page_records[0]
        return self.page_link(cursor=encode(Cursor(key.value(first), first.pk, number, backwards=True),
                                            self.view_digest))

    @property
    def row_context(self) -> cells.RowContext:
        if self._row_context is None:
            request = getattr(self, "request", None)
            self._row_context = cells.RowContext.for_project(
                self.project.name, request.get_full_path() if request else "", self.now)
        return self._row_context

    # Formatting of the shown cells: the functions the page's rows and django-tables2 share.
    PAGE_CELLS = {
        "select": cells.select_cell, "name": cells.name_cell, "status": cells.status_cell,
        "created": cells.created_cell, "actions": cells.actions_cell, "waiting": cells.waiting_cell,
        "type": cells.type_cell,
        "cluster": lambda record, row: str(record.cluster),
        "gpu": lambda record, row: str(record.requested_gpu),
        "cpu": lambda record, row: display.cores(record.requested_cpu_millicores),
        "memory": lambda record, row: display.binary_bytes(record.requested_memory_bytes),
    }

    def rows_html(self, records=None):
        """The page's rows (or `records'`): the <tr>/<td> markup django-tables2 renders (even/odd,
        td attrs), at a fraction of its cost; a cell's text is escaped unless a builder made it
        safe. data-version: what the row shows, so a live update leaves unchanged rows alone."""
        if records is None:
            records = self.page_records
        columns = [(self.PAGE_CELLS[column.name], f"<td {self.cell_attrs(column)[1]}>") for column in self.columns]
        row = self.row_context
        lines = []
        for index, record in enumerate(records):
            cells_html = "".join([f"{td}{escaped(cell(record, row))}</td>" for cell, td in columns])
            lines.append(html('<tr id="workload-{}" data-status="{}" data-version="{}" class="{}">',
                              record.pk, record.status, row_version(record, VERSION_FIELDS),
                              "odd" if index % 2 else "even") + cells_html + "</tr>")
        return SafeString("\n".join(lines))

    # (column, is ordered, descending) -> the <th> and <td> attributes' HTML. django-tables2
    # computes a column's attrs afresh on each read (~0.1 ms: dict copies, computed values,
    # classes); ours hold no callables, so they depend only on the column and how it is sorted.
    _CELL_ATTRS = {}

    def cell_attrs(self, column) -> tuple[str, str]:
        ordered = column.is_ordered
        key = (column.name, ordered, ordered and column.order_by_alias.is_descending)
        if key not in self._CELL_ATTRS:
            attrs = column.attrs
            self._CELL_ATTRS[key] = (attrs["th"].as_html(), attrs["td"].as_html())
        return self._CELL_ATTRS[key]

    @property
    def header_cells(self):
        """Per shown column: (column, its <th> attributes, its sort link or "" when not sortable)."""
        request = SimpleNamespace(request=self.request)
        return [
            (column, self.cell_attrs(column)[0],
             querystring(request, sort=column.order_by_alias.next, page=None, cursor=None, refresh_since=None)
             if column.orderable else "")
            for column in self.columns
        ]

    @property
    def page_sizes(self):
        return page_sizes()

    def detail_url(self, record):
        return self.row_context.url("detail", record.pk)

    def render_cpu(self, value):
        return display.cores(value)

    def render_memory(self, value):
        return display.binary_bytes(value)

    def render_created(self, record):
        return cells.created_cell(record, self.row_context)

    def order_status(self, queryset, is_descending):
        rank = status_lifecycle_rank()
        if is_descending:
            return queryset.order_by(rank.desc(), "-id"), True
        return queryset.order_by(rank.asc(), "id"), True

    # Export: plain numbers (units in the header), times in UTC.
    def value_cpu_cores(self, value):
        return Decimal(value) / 1000

    def value_status(self, value):
        return value  # a choice field's value is already its label

    def value_created_at(self, value):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ShallowCopiedColumns(dict):
    """A table's declared columns, copied one level deep for each table instance.

    django-tables2 deep-copies every column per table (attrs, accessors, linkify: ~900 objects,
    about 1 ms a page) so that an instance may change its columns; it only ever reassigns a
    column's attributes (visible, accessor), which a shallow copy of each column keeps apart."""

    def __deepcopy__(self, memo):
        return {name: copy.copy(column) for name, column in self.items()}


WorkloadTable.base_columns = ShallowCopiedColumns(WorkloadTable.base_columns)


# The fields the table reads: the list query loads nothing else.
LIST_FIELDS = (
    "id", "project_id", "name", "type", "status", "status_reason", "why", "status_changed_at",
    "requested_gpu", "requested_cpu_millicores", "requested_memory_bytes", "workspace_url",
    "created_by_name", "created_at", "cluster__id", "cluster__name", "cluster__display_name",
    "stopped_at", "stopped_by_name", "scale_pending", "delete_requested_at",  # Stop / Resume
    "cluster__last_seen_at",  # when the statuses were checked (Workload.status_checked_at)
)
# What a row's data-version digests: not the cluster's check time, which moves with every
# refresh (a live update rewrites the "refreshed … ago" of an unchanged row by itself).
VERSION_FIELDS = tuple(field for field in LIST_FIELDS if field != "cluster__last_seen_at")


def list_queryset(user, project):
    """The project's workloads as the user may see them, with only the columns the table shows
    (and whether each workspace's URL answers: the actions menu offers Open workspace then)."""
    return with_workspace_routes(
        Workload.objects.for_user(user)
        .filter(project=project)
        .select_related("cluster")
        .only(*LIST_FIELDS)
    )
