"""Keyset paging of the Workloads page: `?cursor=` marks where a page starts, so a page reached by
Next costs the same at depth 40,000 as at depth 1 (an OFFSET walks every row before it).

A cursor is opaque and signed (django.core.signing): the sort key and id of the row the page
starts after (Next) or before (Previous), the page number it leads to, and a digest of the view
it was made for (project, filters, sort). A forged cursor, or one from another view, is refused
(`BadCursor`): the page says so with a 400 and shows the first page.

The query is a row-value comparison `(sort_key, id) < (value, id)`, which PostgreSQL answers
from the (project, sort_key, id) index; the OR form `key < v OR (key = v AND id < i)` cannot use
it (CONVENTIONS, "Pagination"). Every sort key is NOT NULL, so the comparison is total.
"""

import hashlib
import json
from dataclasses import dataclass

from django.core import signing
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan

SALT = "workloads.cursor"
MAX_LENGTH = 1000  # a real cursor is ~150 characters


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class Cursor:
    key: object  # the sort key's value (JSON-friendly) of the row the page starts from
    pk: int
    number: int  # the page number it leads to (what the pager says)
    backwards: bool = False  # Previous: the rows before (key, pk) in the page's order


def view_digest(project_id, filters: dict, sort: str) -> str:
    """What a cursor is bound to: the project, the filters' cleaned values and the sort asked for."""
    normal = {name: sorted(value) if isinstance(value, list | tuple) else value for name, value in filters.items()}
    text = json.dumps([project_id, normal, sort], sort_keys=True, default=str)
    return hashlib.blake2s(text.encode(), digest_size=8).hexdigest()


def encode(cursor: Cursor, view: str) -> str:
    return signing.dumps([view, cursor.key, cursor.pk, cursor.number, int(cursor.backwards)], salt=SALT)


def decode(text: str, view: str) -> Cursor:
    """The cursor in `text` if it was made by this site for `view`; BadCursor otherwise."""
    if len(text) > MAX_LENGTH:
        raise BadCursor("this page link is too long to be one of ours")
    try:
        made_for, key, pk, number, backwards = signing.loads(text, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise BadCursor("this page link was not made by this site or is damaged") from error
    if made_for != view:
        raise BadCursor("this page link belongs to other filters or another sort")
    if not (isinstance(pk, int) and isinstance(number, int) and number >= 1 and isinstance(key, str | int)):
        raise BadCursor("this page link is damaged")
    return Cursor(key, pk, number, bool(backwards))


def after(queryset, key_expression, cursor: Cursor, descending: bool):
    """`queryset` (ordered by key, id, both `descending` or not) from just past `cursor` on, in
    reading order for Next and in reverse (the rows nearest first) for Previous."""
    forward_is_smaller = descending != cursor.backwards
    comparison = TupleLessThan if forward_is_smaller else TupleGreaterThan
    rows = queryset.filter(comparison(Tuple(key_expression, "id"), (cursor.key, cursor.pk)))
    return rows.reverse() if cursor.backwards else rows
