"""Fixtures for the cluster gateway tests: a real kubesim over HTTP and a gateway on it."""

import pytest
from kubesim.testing import kubesim  # noqa: F401

from workloads.cluster import ClusterConnection, ClusterGateway

NAMESPACES = ("vision", "nlp", "sandbox")


@pytest.fixture
def sim(kubesim):  # noqa: F811
    """The simulator behind `kubesim`, with the projects' namespaces."""
    for name in NAMESPACES:
        if kubesim.sim.get("Namespace", None, name) is None:
            kubesim.sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    return kubesim.sim


@pytest.fixture
def connect(kubesim):  # noqa: F811
    """A factory of gateways on `kubesim`: connect(request_timeout=(1, 0.5), ...)."""
    opened = []

    def connect(**overrides) -> ClusterGateway:
        values = {"name": "sim", "api_url": kubesim.url, "token": kubesim.token, "qps": 1000, "burst": 1000}
        values.update(overrides)
        gateway = ClusterGateway(ClusterConnection(**values))
        opened.append(gateway)
        return gateway

    yield connect
    for gateway in opened:
        gateway.close()


@pytest.fixture
def gateway(sim, connect):
    return connect()
