"""Kubernetes timestamps. Pure."""

from datetime import UTC, datetime


def parse_time(value: str | None) -> datetime | None:
    """An RFC 3339 time (naive ones taken as UTC); None when absent or not a time."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
