"""Running kubesim inside a test process.

    from kubesim.testing import kubesim  # noqa: F401  (the pytest fixture)

    def test_something(kubesim):
        cfg = kubernetes.client.Configuration()
        cfg.host = kubesim.url
        cfg.api_key = {"authorization": "Bearer " + kubesim.token}
        ...
        kubesim.sim.advance(5)

or, outside pytest: `with running_kubesim(nodes=2) as handle: ...`.
"""

import contextlib
import os
import tempfile

from kubesim.kubeconfig import write_kubeconfig
from kubesim.server import KubeSimServer
from kubesim.simulator import Simulator, new_token

try:
    import pytest
except ImportError:  # pytest is only needed for the fixture
    pytest = None


class KubeSimHandle:
    """A simulator served on a local port."""

    def __init__(self, sim: Simulator, server: KubeSimServer, workdir: str):
        self.sim = sim
        self.server = server
        self._workdir = workdir
        self.kubeconfig_path = os.path.join(workdir, "kubeconfig")
        self.write_kubeconfig(self.kubeconfig_path)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def token(self) -> str:
        return self.sim.token or ""

    def write_kubeconfig(self, path: str, context: str = "kubesim") -> str:
        return write_kubeconfig(path, self.url, self.token, context)

    # Outage tests: the port stays reserved for us in between (same URL afterwards).
    def stop_listening(self) -> None:
        self.server.stop()

    def start_listening(self) -> None:
        self.server.start()

    @contextlib.contextmanager
    def outage(self):
        self.stop_listening()
        try:
            yield
        finally:
            self.start_listening()


@contextlib.contextmanager
def running_kubesim(*, host: str = "127.0.0.1", port: int = 0, token: str | None = None, realtime: bool = False,
                    **sim_kwargs):
    """Start a Simulator (keyword arguments go to `Simulator`) on a free port in a thread."""
    sim = Simulator(token=token or new_token(), realtime=realtime, **sim_kwargs)
    server = KubeSimServer(sim, host, port).start()
    if realtime:
        sim.start_realtime()
    with tempfile.TemporaryDirectory(prefix="kubesim-") as workdir:
        try:
            yield KubeSimHandle(sim, server, workdir)
        finally:
            sim.stop_realtime()
            server.stop()


if pytest is not None:

    @pytest.fixture
    def kubesim():
        """A fresh simulator with a manual clock, served over HTTP, per test."""
        with running_kubesim() as handle:
            yield handle
