"""The HTML of each cell of a Workloads row, built in Python (fast_html.html: every value escaped).

A template render per cell cost about 1 ms a row (three fragments, each with its context and
its tags); these builders produce the same markup the browser tests and the live updates
(static/js/workloads.js: data-live-ago, the menu's data-* and roles) rely on, for ~0.05 ms a row.
Each takes the record and a `RowContext`: what is the same for every row of a page (URLs, now).
"""

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from workloads.status import WorkloadStatus
from workloads.types import WorkloadType
from workloads.web import display, links
from workloads.web.fast_html import html, joined

# Labels by value, as get_FOO_display() gives them (it rebuilds its choices on every call).
STATUS_LABELS = dict(WorkloadStatus.choices)
TYPE_LABELS = dict(WorkloadType.choices)

_PK = 2**62  # a pk no row has: reversed once per page, replaced per row


@dataclass(frozen=True)
class RowContext:
    """What every row of one page shares: reversing 4 URLs per row was a third of a row's cost."""

    project_name: str
    now: datetime
    next_url: str  # where Stop/Resume come back to (the page as the person sees it)
    url_patterns: dict

    @classmethod
    def for_project(cls, project_name, next_url="", now=None):
        patterns = {
            name: reverse(f"workloads:{name}", args=[project_name, _PK])
            for name in ("detail", "logs", "delete", "stop", "resume")
        }
        return cls(project_name, now or timezone.now(), next_url, patterns)

    def url(self, name, pk) -> str:
        return self.url_patterns[name].replace(str(_PK), str(int(pk)))


def local_time(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S %Z")


def select_cell(record, row: RowContext) -> SafeString:
    gone = "" if record.is_deletable else " data-gone"
    return html('<input type="checkbox" name="id" value="{}" aria-label="Select {}"{}>',
                record.pk, record.name, SafeString(gone))


def type_cell(record, row: RowContext) -> str:
    return TYPE_LABELS.get(record.type, record.type)


def name_cell(record, row: RowContext) -> SafeString:
    return html('<a href="{}">{}</a>', row.url("detail", record.pk), record.name)


def refreshed(at, status="", now=None) -> SafeString:
    """"refreshed 12 s ago", marked stale after three refresh intervals (never for a status that
    is final: a Deleted workload's status cannot go out of date). data-live-ago: a live update
    rewrites this "… ago" even in a row that did not change (workloads.js)."""
    if not at:
        return mark_safe('<span class="refreshed small" data-live-ago>not refreshed yet</span>')
    stale = display.is_stale(at, now) and status not in display.FINAL_STATUSES
    return html(
        '<span class="refreshed small{}" data-live-ago title="{}">{}refreshed {}</span>',
        " stale" if stale else "", local_time(at),
        mark_safe('<span aria-hidden="true">⚠ </span>stale · ') if stale else "",
        display.ago(at, now),
    )


def status_cell(record, row: RowContext) -> SafeString:
    parts = [html('<span class="badge {}">{}</span>', record.status, STATUS_LABELS.get(record.status, record.status))]
    if record.is_stopped:
        parts.append(html('<span class="status-reason">Stopped by {}, {}</span>',
                                 record.stopped_by_name, display.ago(record.stopped_at, row.now)))
        if record.status_reason.startswith("resume failed"):
            parts.append(html('<span class="status-reason">{}</span>', record.status_reason))
    elif record.is_stopping:
        parts.append(html('<span class="status-reason">Stopping… (requested by {})</span>',
                                 record.stopped_by_name))
    elif record.is_resuming:
        parts.append(mark_safe('<span class="status-reason">Resuming…</span>'))
    elif record.why:  # the dominant reason: one line here, the whole of it on hover and in details
        parts.append(html('<span class="status-reason why-line" title="{}">{}</span>', record.why, record.why))
    elif record.status_reason:
        parts.append(html('<span class="status-reason">{}</span>', record.status_reason))
    parts.append(refreshed(record.status_checked_at, record.status, row.now))
    return joined(parts, "\n")


def waiting_cell(record, row: RowContext) -> SafeString | str:
    """"waiting 2 h 14 min" since it was added, for a workload that has not started (else "—")."""
    if record.status not in display.WAITING:
        return mark_safe('<span class="muted" aria-label="not waiting">—</span>')
    return html('<span class="waiting" title="since {}">waiting {}</span>', local_time(record.created_at),
                       display.duration(row.now - record.created_at))


def created_cell(record, row: RowContext) -> SafeString:
    return html(
        '<time datetime="{}" title="{}">{}</time><span class="by muted small">by {}</span>',
        record.created_at.isoformat(), local_time(record.created_at), display.ago(record.created_at, row.now),
        record.created_by_name or "unknown",
    )


def _item(snippet) -> SafeString:
    return SafeString(f'\n    <li role="none">{snippet}</li>')  # snippet: one of html()'s


def actions_cell(record, row: RowContext) -> SafeString:
    """The three-dot menu: Show details, Open workspace (only a URL that answers), View logs,
    Stop/Resume (posted through #scale-form), Delete (the page's dialog)."""
    name, pk = record.name, record.pk
    items = [_item(html('<a role="menuitem" href="{}">Show details</a>', row.url("detail", pk)))]
    workspace = links.workspace_link(record)
    if workspace is not None and workspace.enabled:
        items.append(_item(html(
            '<a role="menuitem" href="{}" target="_blank" rel="noopener noreferrer">Open workspace '
            '<span aria-hidden="true">↗</span><span class="visually-hidden"> (opens in a new tab)</span></a>',
            workspace.url)))
    items.append(_item(html('<a role="menuitem" href="{}">View logs</a>', row.url("logs", pk))))
    if record.is_stoppable:
        items.append(_item(html(
            '<button type="submit" role="menuitem" form="scale-form" formaction="{}" name="next" value="{}" '
            'data-confirm="Stop {}? Its pods are scaled to zero and its quota released until you resume it.">'
            'Stop…</button>', row.url("stop", pk), row.next_url, name)))
    elif record.is_stopped:
        items.append(_item(html(
            '<button type="submit" role="menuitem" form="scale-form" formaction="{}" name="next" value="{}">'
            'Resume</button>', row.url("resume", pk), row.next_url)))
    if record.is_deletable:
        items.append(_item(html(
            '<button type="button" role="menuitem" class="danger" data-delete-url="{}" data-delete-name="{}">'
            'Delete…</button>', row.url("delete", pk), name)))
    return html(
        '<details class="dropdown actions-menu" data-menu>\n'
        '  <summary class="icon-button" aria-label="Actions for {}" aria-haspopup="menu" title="Actions">'
        '<span aria-hidden="true">⋮</span></summary>\n'
        '  <ul class="menu right" role="menu" aria-label="Actions for {}">{}\n  </ul>\n</details>',
        name, name, joined(items),
    )
