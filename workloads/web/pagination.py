"""Pagination of the Workloads page: fixed page sizes, a cap, a deepest page, no COUNT(*) over the table.

django-tables2 reads `?per_page=` unbounded; every paginator of the page goes through
`page_size()` so no request can ask for more rows than WORKLOADS_MAX_PAGE_SIZE. Pages are
OFFSETs: each is slower than the one before, and a page number past what PostgreSQL's bigint
OFFSET holds was a 500. So pages stop at WORKLOADS_MAX_PAGE.
"""

from django.conf import settings
from django.core.paginator import EmptyPage
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
        # No "Next" from the deepest page.
        self._num_pages = min(self._num_pages, self.max_page)
        return page

    def explain(self, number, error) -> str:
        shown = str(number) if len(str(number)) <= 20 else f"{str(number)[:20]}…"
        if isinstance(error, PageTooDeep):
            return (f"Page {shown} is deeper than this list goes (page {self.max_page}): narrow the filters "
                    "or sort the other way to reach those workloads. Showing page 1.")
        return f"Page {shown} is out of range. Showing page 1."
