"""Fixtures of the watcher tests: kubesim over HTTP with a cluster row for it (those of the
task tests), and `watching`, a Watcher the test turns itself."""

import pytest

from tests.sync.watching import Turning
from tests.tasks.conftest import kubesim, sim, sim_cluster, vision  # noqa: F401  (fixtures)
from workloads.sync.watcher import Watcher


@pytest.fixture
def watching(settings, tmp_path):
    settings.WATCH_TIMEOUT_SECONDS = 30
    watcher = Watcher(batch_seconds=0.02, poll_seconds=0.2, heartbeat_file=tmp_path / "heartbeat")
    yield Turning(watcher)
    for watch in watcher.watches.values():
        watch.stop()
