"""Pagination of the Workloads page: fixed page sizes, a cap, no COUNT(*) over the table.

django-tables2 reads `?per_page=` unbounded; every paginator of the page goes through
`page_size()` so no request can ask for more rows than WORKLOADS_MAX_PAGE_SIZE.
"""

from django.conf import settings
from django_tables2.paginators import LazyPaginator


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


class CappedLazyPaginator(LazyPaginator):
    """"Page N" with previous/next: one query of per_page + 1 rows, no COUNT(*)."""

    def __init__(self, object_list, per_page, **kwargs):
        super().__init__(object_list, page_size(per_page), **kwargs)
