"""The cluster contract: what devcenter needs from a Kubernetes API server, run on two tiers:

- `[kubesim]`: our simulator, in real time sped up 20x;
- `[genuine]`: a real kube-apiserver + kube-controller-manager (v1.20.2, built once by
  `bin/build-kube-apiserver`) on etcd, with a stand-in kubelet/scheduler for one node and
  KServe's InferenceService CRD (`genuine/`); skipped when the binaries are not built.

An external cluster replaces both tiers (`[external]`):

    CONTRACT_KUBECONFIG=~/.kube/config CONTRACT_CONTEXT=kind-kind pytest tests/contract

Each test works in a namespace of its own and removes it afterwards, and reads only that
namespace (the product's namespaced LISTs, or its own filter on a cluster-wide LIST: on a real
cluster a previous run's namespace stays Terminating for a while, and the contract's workload
ids are fixed). The tests wait for the server's own controllers (real or simulated) with a
deadline instead of advancing a clock.
"""

import os
import time
import uuid

import pytest

from workloads.cluster import ClusterConnection, ClusterGateway

CONTRACT_KUBECONFIG = os.environ.get("CONTRACT_KUBECONFIG", "")
CONTRACT_CONTEXT = os.environ.get("CONTRACT_CONTEXT", "")
AGAINST_REAL_SERVER = bool(CONTRACT_KUBECONFIG)
TIERS = ("external",) if AGAINST_REAL_SERVER else ("kubesim", "genuine")
FAST_CLIENT = {"qps": 1000, "burst": 1000}  # the tests, not the rate limiter, set the pace


@pytest.fixture(scope="session")
def genuine_cluster():
    """One genuine control plane and stand-in kubelet for the whole session (about 10 s to start)."""
    from .genuine import crds
    from .genuine.control_plane import ControlPlaneMissing, binaries, running_control_plane
    from .genuine.standin_kubelet import running_standin_kubelet

    try:
        binaries()
    except ControlPlaneMissing as missing:
        pytest.skip(str(missing))  # "genuine kube-apiserver not built: run bin/build-kube-apiserver ..."
    with running_control_plane() as plane, running_standin_kubelet(plane):
        crds.install(plane, crds.KSERVE_INFERENCE_SERVICE)  # a custom kind devcenter lists
        yield plane


@pytest.fixture(scope="module", params=TIERS)
def api_server(request):
    """A connection to the server under contract, one per tier."""
    if request.param == "external":
        yield ClusterConnection("contract", kubeconfig=CONTRACT_KUBECONFIG, context=CONTRACT_CONTEXT)
    elif request.param == "genuine":
        yield request.getfixturevalue("genuine_cluster").connection("contract", **FAST_CLIENT)
    else:
        from kubesim.testing import running_kubesim

        # Real time, sped up: the tests only wait, as they would on a real cluster.
        with running_kubesim(realtime=True, speed=20) as handle:
            yield ClusterConnection("contract", api_url=handle.url, token=handle.token, **FAST_CLIENT)


@pytest.fixture
def namespace(api_server):
    name = f"contract-{uuid.uuid4().hex[:8]}"
    with ClusterGateway(api_server) as admin:
        admin.ensure_namespace(name)
        yield name
        admin.core.delete_namespace(name, _request_timeout=admin.timeout)


@pytest.fixture
def gateway(api_server, namespace):
    with ClusterGateway(api_server) as gateway:
        yield gateway


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
