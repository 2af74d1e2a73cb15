"""Helpers of the watcher tests (their fixtures are in conftest.py): a Watcher whose loop the
test turns (`until`), so its writes land in the test's own database transaction."""

import time

from tests.tasks.conftest import make_workload, run_in_cluster, spec_for, wait_for
from workloads.models import Workload
from workloads.sync.watcher import Watcher

__all__ = ["RUN", "Turning", "make_workload", "run_in_cluster", "spec_for", "status_of", "wait_for"]

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
            lambda: (w := self.watcher.watches.get(cluster.id)) is not None and w.synced and not w.cache.pending()
            and not w.events.pending(),
            message="first batch",
        )
        return self.watcher.watches[cluster.id]

    def turn(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.watcher.run_once()
            time.sleep(0.02)


def status_of(workload):
    return Workload.objects.values_list("status", flat=True).get(pk=workload.pk)
