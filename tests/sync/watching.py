"""Shared by the watcher tests: kubesim over HTTP, a cluster row for it, and a Watcher whose
loop the test turns (`until`), so its writes land in the test's own database transaction."""

import time

import pytest

from tests.tasks.conftest import (  # noqa: F401  (fixtures)
    ensure_namespace,
    kubesim,
    make_workload,
    run_in_cluster,
    sim,
    sim_cluster,
    vision,
)
from workloads.models import Workload
from workloads.sync.watcher import Watcher

RUN = {"kubesim.io/start-seconds": "5", "kubesim.io/run-seconds": "30"}


class Turning:
    """A Watcher driven from the test: `until(predicate)` runs its loop until predicate holds."""

    def __init__(self, watcher: Watcher):
        self.watcher = watcher

    def until(self, predicate, timeout: float = 10.0, message: str = "condition") -> float:
        """Seconds it took; fails after `timeout`."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            self.watcher.run_once()
            if predicate():
                return time.monotonic() - started
            time.sleep(0.02)
        raise AssertionError(f"timed out after {timeout}s waiting for {message}")

    def synced(self, cluster):
        """Every kind listed and what the lists brought written (the first, full, batch)."""
        self.until(
            lambda: (w := self.watcher.watches.get(cluster.id)) is not None and w.synced and not w.cache.pending(),
            message="first batch",
        )
        return self.watcher.watches[cluster.id]

    def turn(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.watcher.run_once()
            time.sleep(0.02)


@pytest.fixture
def watching(settings, tmp_path):
    settings.WATCH_TIMEOUT_SECONDS = 30
    watcher = Watcher(batch_seconds=0.02, poll_seconds=0.2, heartbeat_file=tmp_path / "heartbeat")
    yield Turning(watcher)
    for watch in watcher.watches.values():
        watch.stop()


def status_of(workload):
    return Workload.objects.values_list("status", flat=True).get(pk=workload.pk)
