"""Pagination of the Workloads page: fixed page sizes, a cap, a deepest page, no COUNT(*) over the table.

django-tables2 reads `?per_page=` unbounded; every paginator of the page goes through
`page_size()` so no request can ask for more rows than WORKLOADS_MAX_PAGE_SIZE.

Two ways to a page: `page=N` is an OFFSET, each slower than the one before (and a number past
PostgreSQL's bigint OFFSET was a 500), so it stops at WORKLOADS_MAX_PAGE, for shallow links;
Previous/Next carry a keyset cursor (web/cursor.py), as fast at any depth.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.paginator import EmptyPage
from django_tables2.paginators import LazyPaginator

from workloads.web import cursor as cursors


def page_sizes() -> tuple[int, ...]:
    return tuple(size for size in settings.WORKLOADS_PAGE_SIZES if size <= settings.WORKLOADS_MAX_PAGE_SIZE)


def page_size(requested) -> int:
    """The allowed page size closest below `requested` (the smallest choice for nonsense)."""
    sizes = page_sizes()
    try:
        requested = int(requested)
    except (TypeError, ValueError):
        return sizes[0]
    fitting = [size for size in sizes if size <= requested]
    return fitting[-1] if fitting else sizes[0]


class PageTooDeep(EmptyPage):
    pass


class CappedLazyPaginator(LazyPaginator):
    """"Page N" with previous/next: one query of per_page + 1 rows, no COUNT(*), at most
    WORKLOADS_MAX_PAGE pages deep.

    A page that cannot be served (past the end, below 1, deeper than the limit) leaves a
    message in `out_of_range`; django-tables2 then shows page 1.
    """

    def __init__(self, object_list, per_page, **kwargs):
        super().__init__(object_list, page_size(per_page), **kwargs)
        self.out_of_range = ""

    @property
    def max_page(self) -> int:
        return settings.WORKLOADS_MAX_PAGE

    def validate_number(self, number):
        number = super().validate_number(number)
        if number > self.max_page:
            raise PageTooDeep(f"pages stop at {self.max_page}")
        return number

    def page(self, number):
        try:
            page = super().page(number)
        except EmptyPage as error:
            self.out_of_range = self.explain(number, error)
            raise
        return page  # Next goes on by cursor past the deepest page number

    def explain(self, number, error) -> str:
        shown = str(number) if len(str(number)) <= 20 else f"{str(number)[:20]}…"
        if isinstance(error, PageTooDeep):
            return (f"Page {shown} is deeper than page numbers go (page {self.max_page}): use Next, narrow "
                    "the filters or sort the other way to reach those workloads. Showing page 1.")
        return f"Page {shown} is out of range. Showing page 1."


@dataclass(frozen=True)
class SortKey:
    expression: object  # a field name or an expression (the status's lifecycle rank)
    value: Callable  # record -> the key's value as a cursor carries it (JSON-friendly)
    descending: bool


def json_key(value):
    return value.isoformat() if isinstance(value, datetime) else value


@dataclass
class KeysetPaginator:
    """What the pager reads of a paginator (its page size) for a page reached by a cursor."""

    per_page: int
    out_of_range: str = ""

    @property
    def max_page(self) -> int:
        return settings.WORKLOADS_MAX_PAGE


@dataclass(frozen=True)
class KeysetPage:
    number: int
    more: bool  # rows beyond this page in the direction the cursor went
    backwards: bool

    def has_next(self) -> bool:
        return self.backwards or self.more

    def has_previous(self) -> bool:
        return self.number > 1


def keyset_page(ordered, key: SortKey, cursor, per_page):
    """-> (page, records): the `per_page` rows of `ordered` past `cursor`, in reading order;
    one query of per_page + 1 rows (the extra one says whether there are more)."""
    rows = list(cursors.after(ordered, key.expression, cursor, key.descending)[: per_page + 1])
    more, rows = len(rows) > per_page, rows[:per_page]
    if cursor.backwards:
        rows.reverse()
    return KeysetPage(cursor.number, more, cursor.backwards), rows
