"""Heartbeat files: a long-running process touches its file while it works; a liveness probe
(`python manage.py probe worker|watcher`) reads the file's age."""

import os
import time
from pathlib import Path


def beat(path: str | os.PathLike) -> None:
    """Write the time (aside, then renamed: a probe never reads half a file)."""
    path = os.fspath(path)
    partial = f"{path}.tmp"
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(partial, "w") as handle:
        handle.write(f"{time.time():.3f}\n")
    os.replace(partial, path)


def age(path: str | os.PathLike) -> float | None:
    """Seconds since the last beat; None when there was none (or the file is unreadable)."""
    try:
        written = float(Path(path).read_text().strip())
    except (OSError, ValueError):
        return None
    return max(0.0, time.time() - written)
