"""The time-to-start bar of the details page: the segments a workload went through. Pure.

queued (Added until its objects exist in the cluster), scheduling (until every pod is on a
node), starting (pulling images and starting containers, until every container runs), ready
(until every pod is Ready). Milestones come from the refresh (`Workload.start_timeline`); a
segment still under way runs until `now`. Scheduling + starting add up to created-to-running.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from workloads.web.display import duration

SEGMENTS = (
    ("queued", "Queued", None, "created"),
    ("scheduling", "Scheduling", "created", "scheduled"),
    ("starting", "Pulling and starting", "scheduled", "running"),
    ("ready", "Getting ready", "running", "ready"),
)


@dataclass(frozen=True)
class Segment:
    name: str
    label: str
    seconds: float
    ongoing: bool
    x: float = 0.0  # where it starts on the bar, in percent
    width: float = 0.0

    @property
    def text(self) -> str:
        return duration(timedelta(seconds=self.seconds)) + (" so far" if self.ongoing else "")


def _parse(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def start_segments(added_at: datetime, timeline: dict, now: datetime, *, waiting: bool) -> list[Segment]:
    """The segments reached so far (the next one ongoing while the workload still waits)."""
    at = {"added": added_at, **{k: t for k, v in (timeline or {}).items() if (t := _parse(v))}}
    segments = []
    for name, label, start_key, end_key in SEGMENTS:
        start = at.get(start_key or "added")
        if start is None:
            break
        end = at.get(end_key)
        if end is None:
            if waiting:
                segments.append(Segment(name, label, max(0.0, (now - start).total_seconds()), True))
            break
        segments.append(Segment(name, label, max(0.0, (end - start).total_seconds()), False))
    total = sum(s.seconds for s in segments) or 1.0
    placed, x = [], 0.0
    for s in segments:
        width = 100.0 * s.seconds / total
        placed.append(Segment(s.name, s.label, s.seconds, s.ongoing, round(x, 2), round(width, 2)))
        x += width
    return placed
