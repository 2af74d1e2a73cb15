"""Simulated time: a manual clock for tests and a real-time clock for `make run`.

Controllers never read the wall clock directly, so tests can move time forward
deterministically with `Simulator.advance(seconds)`.
"""

import functools
import threading
import time
from datetime import UTC, datetime


class ManualClock:
    """Time moves only when `advance` is called."""

    realtime = False

    def __init__(self, start: float | None = None):
        # Whole seconds: creationTimestamp has second precision, so starting on a
        # whole second keeps timelines derived from it exact.
        self._now = float(int(start if start is not None else time.time()))
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


class RealClock:
    """Wall-clock time, optionally running faster (`speed` simulated seconds per second)."""

    realtime = True

    def __init__(self, speed: float = 1.0, start: float | None = None):
        self.speed = speed
        self._start = start if start is not None else time.time()
        self._origin = time.monotonic()

    def now(self) -> float:
        return self._start + (time.monotonic() - self._origin) * self.speed

    def advance(self, seconds: float) -> None:
        # Lets tests that use a real-time simulator still jump ahead.
        self._start += seconds


def rfc3339(ts: float) -> str:
    """Kubernetes timestamps: second precision, UTC, `Z` suffix."""
    return _rfc3339_seconds(int(ts))


@functools.lru_cache(maxsize=8192)
def _rfc3339_seconds(seconds: int) -> str:
    # Cached: controllers format the same few seconds over and over.
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339_micro(ts: float) -> str:
    """MicroTime (a Lease's renewTime)."""
    whole = int(ts)
    micros = min(999_999, int(round((ts - whole) * 1e6)))
    return datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{micros:06d}Z"


def rfc3339_nano(ts: float) -> str:
    """Timestamp format of `kubectl logs --timestamps`."""
    whole = int(ts)
    nanos = int(round((ts - whole) * 1e9))
    if nanos >= 1_000_000_000:
        whole, nanos = whole + 1, nanos - 1_000_000_000
    return datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{nanos:09d}Z"


@functools.lru_cache(maxsize=8192)
def parse_rfc3339(value: str) -> float:
    """Second precision (`...:05Z`) or finer (`...:05.123456Z`, a MicroTime)."""
    whole = datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC).timestamp()
    if len(value) > 20 and value[19] == ".":
        return whole + float("0" + value[19:].rstrip("Z"))
    return whole
