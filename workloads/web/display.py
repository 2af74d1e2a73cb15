"""How a workload's numbers and states read on the page: pure helpers, no queries."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from workloads.status import WorkloadStatus
from workloads.types import WorkloadType, has_url

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


@dataclass(frozen=True)
class WorkspaceLink:
    url: str  # "" when it cannot be opened
    reason: str  # why not, in plain words

    @property
    def enabled(self) -> bool:
        return bool(self.url)


def workspace_link(workload) -> WorkspaceLink | None:
    """The Open workspace item of a workload: None for types without a URL and for a stopped (or
    stopping) one, disabled with a reason otherwise when it cannot be opened."""
    if not has_url(workload.type):
        return None
    label = WorkloadType(workload.type).label
    if workload.stopped_at is not None:
        return None  # stopped or being stopped: nothing to open until it is resumed
    if workload.status != WorkloadStatus.RUNNING:
        return WorkspaceLink("", f"{label} is {WorkloadStatus(workload.status).label}")
    url = safe_http_url(workload.workspace_url)
    if not url:
        return WorkspaceLink("", f"{label} has no web address yet")
    return WorkspaceLink(url, "")
