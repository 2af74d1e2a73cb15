"""How a workload's numbers and states read on the page: pure helpers, no queries."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from workloads.status import WorkloadStatus

_BINARY_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def cores(millicores: int) -> str:
    """4000 -> "4", 500 -> "0.5", 1250 -> "1.25"."""
    whole, rest = divmod(int(millicores or 0), 1000)
    if not rest:
        return str(whole)
    return f"{whole}.{rest:03d}".rstrip("0")


def binary_bytes(value: int) -> str:
    """17179869184 -> "16 GiB", 1610612736 -> "1.5 GiB", 0 -> "0"."""
    value = int(value or 0)
    if value == 0:
        return "0"
    size, unit = float(value), 0
    while size >= 1024 and unit < len(_BINARY_UNITS) - 1:
        size /= 1024
        unit += 1
    text = f"{size:.1f}".removesuffix(".0")
    return f"{text} {_BINARY_UNITS[unit]}"


def duration(delta: timedelta | None) -> str:
    """timedelta -> "1 h 2 min", "3 min 4 s", "5 s"; None -> ""."""
    if delta is None:
        return ""
    seconds = max(int(delta.total_seconds()), 0)
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {seconds} s"
    return f"{seconds} s"


# Statuses of a workload that has not started yet: its queue time is still counting.
WAITING = frozenset({WorkloadStatus.ADDED, WorkloadStatus.PENDING})


@dataclass(frozen=True)
class WorkloadTimes:
    queue: str  # "" when it cannot be told
    run: str
    running: bool  # the run time is still counting


def workload_times(
    status: str,
    created_at: datetime,
    started_at: datetime | None,
    finished_at: datetime | None,
    history: Iterable,
    now: datetime,
) -> WorkloadTimes:
    """Queue time (created until it started, or until now while it waits) and run time (started
    until it finished, or until now while Running), from the stamps and the status history
    (`history`: objects with `to_status` and `at`, any order), which fills the stamps that are
    missing (rows from before they were kept, seeded rows).

    A workload that stopped running without a finish stamp (Deleting, Unknown, Pending again)
    ran until the first status change after its start; one that never started waited until it
    left Added/Pending (Failed while pulling its image, Deleted while queued).
    """
    changes = sorted(((change.at, change.to_status) for change in history), key=lambda change: change[0])
    started = started_at or next((at for at, to in changes if to == WorkloadStatus.RUNNING), None)
    if started is None:
        if status in WAITING:
            return WorkloadTimes(duration(now - created_at), "", False)
        stopped_waiting = next((at for at, to in changes if to not in WAITING), finished_at)
        return WorkloadTimes(duration(stopped_waiting - created_at) if stopped_waiting else "", "", False)
    queue = duration(started - created_at)
    if status == WorkloadStatus.RUNNING:
        return WorkloadTimes(queue, duration(now - started), True)
    ended = finished_at or next((at for at, to in changes if at >= started and to != WorkloadStatus.RUNNING), None)
    return WorkloadTimes(queue, duration(ended - started) if ended else "", False)


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """"12 s ago", "3 min ago", "2 h ago", "4 d ago"; "never" for None."""
    if moment is None:
        return "never"
    seconds = max(int(((now or timezone.now()) - moment).total_seconds()), 0)
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} d ago"


# Statuses that never change again: their "last refreshed" cannot be out of date.
FINAL_STATUSES = frozenset({WorkloadStatus.DELETED})


def is_stale(refreshed_at: datetime | None, now: datetime | None = None) -> bool:
    """True when the status is older than three refresh intervals (or was never refreshed)."""
    if refreshed_at is None:
        return True
    limit = timedelta(seconds=3 * settings.REFRESH_INTERVAL_SECONDS)
    return (now or timezone.now()) - refreshed_at > limit


def safe_http_url(url: str) -> str:
    """`url` when it is an absolute http(s) URL, otherwise "" (never a javascript: link)."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url
    return ""
