"""The cluster contract: what devcenter needs from a Kubernetes API server, run against kubesim
by default and against a genuine kube-apiserver when one is given:

    CONTRACT_KUBECONFIG=~/.kube/config CONTRACT_CONTEXT=kind-kind pytest tests/contract

Each test works in a namespace of its own and removes it afterwards. The tests wait for
the server's own controllers (real or simulated) with a deadline instead of advancing a clock.
"""

import os
import time
import uuid

import pytest

from workloads.cluster import ClusterConnection, ClusterGateway

CONTRACT_KUBECONFIG = os.environ.get("CONTRACT_KUBECONFIG", "")
CONTRACT_CONTEXT = os.environ.get("CONTRACT_CONTEXT", "")
AGAINST_REAL_SERVER = bool(CONTRACT_KUBECONFIG)


@pytest.fixture(scope="module")
def api_server():
    """A connection to the server under contract: a real one if configured, else kubesim (real time)."""
    if AGAINST_REAL_SERVER:
        yield ClusterConnection("contract", kubeconfig=CONTRACT_KUBECONFIG, context=CONTRACT_CONTEXT)
        return
    from kubesim.testing import running_kubesim

    # Real time, sped up: the tests only wait, as they would on a real cluster.
    with running_kubesim(realtime=True, speed=20) as handle:
        yield ClusterConnection("contract", api_url=handle.url, token=handle.token, qps=1000, burst=1000)


@pytest.fixture
def gateway(api_server):
    with ClusterGateway(api_server) as gateway:
        yield gateway


@pytest.fixture
def namespace(gateway):
    name = f"contract-{uuid.uuid4().hex[:8]}"
    gateway.ensure_namespace(name)
    yield name
    gateway.core.delete_namespace(name, _request_timeout=gateway.timeout)


def eventually(check, *, timeout=60.0, interval=0.25, message="condition"):
    """Poll `check()` until it returns a truthy value; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {message}")
        time.sleep(interval)
