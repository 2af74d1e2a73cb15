"""Live updates of the Workloads table: what a poll needs beyond the page itself.

The page's script (static/js/workloads.js) polls the same URL and merges the fragment into the
rows it shows: a row whose `data-version` is unchanged is left alone. It sends the ids of the
rows it shows in a header, so that a row that left the filter (a delete that became Deleted,
hidden by the default filter) keeps showing its new status until the person reloads.
"""

import hashlib

from django.conf import settings

from workloads.status import WorkloadStatus

# Statuses that change without anyone asking (a queued create or delete): the table watches them.
IN_FLIGHT_STATUSES = frozenset({WorkloadStatus.ADDED, WorkloadStatus.DELETING})
SHOWN_ROWS_HEADER = "X-Shown-Rows"
# The rows a poll may keep beyond the page: twice the biggest page (new rows may arrive on top).
MAX_KEPT_ROWS = 2 * settings.WORKLOADS_MAX_PAGE_SIZE


def row_version(record, fields) -> str:
    """A digest of what a row shows (`fields`, the columns the list loads): equal digests, same row."""
    shown = []
    for name in fields:
        value = record
        for part in name.split("__"):
            value = getattr(value, part, None)
        shown.append(repr(value))
    return hashlib.blake2s("\x1f".join(shown).encode(), digest_size=8).hexdigest()


def shown_row_ids(request) -> list[int]:
    """The row ids the page says it shows (its header); nonsense and extras are dropped."""
    ids = []
    for part in request.headers.get(SHOWN_ROWS_HEADER, "").split(",")[:MAX_KEPT_ROWS]:
        part = part.strip()
        if part.isdecimal() and len(part) <= 18:
            ids.append(int(part))
    return ids

