"""The cluster contract: what devcenter needs from a Kubernetes API server, run on two tiers:

- `[kubesim]`: our simulator, in real time sped up 20x, with one node shaped like the
  stand-in's (8 cpu, 32Gi, 4 `nvidia.com/gpu`, 110 pods);
- `[genuine]`: a real kube-apiserver + kube-controller-manager (v1.20.2, built once by
  `bin/build-kube-apiserver`) on etcd, with a stand-in kubelet/scheduler for one node and
  KServe's InferenceService CRD (`genuine/`); skipped when the binaries are not built.

An external cluster replaces both tiers (`[external]`; the tests that stop a node's kubelet
skip there):

    CONTRACT_KUBECONFIG=~/.kube/config CONTRACT_CONTEXT=kind-kind pytest tests/contract

Each test works in a namespace of its own, named after nothing fixed, whose name is also the
project label of everything it creates (a previous run's Terminating namespace never leaks
into the next), and removes it afterwards. The tests wait for the server's own controllers
(real or simulated) with a deadline instead of advancing a clock.
"""

import contextlib
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

import pytest
from kubernetes import client as k8s

from tests.conftest import launched_spec
from workloads.cluster import BATCH, ClusterConnection, ClusterGateway, WorkloadSpec

CONTRACT_KUBECONFIG = os.environ.get("CONTRACT_KUBECONFIG", "")
CONTRACT_CONTEXT = os.environ.get("CONTRACT_CONTEXT", "")
AGAINST_REAL_SERVER = bool(CONTRACT_KUBECONFIG)
TIERS = ("external",) if AGAINST_REAL_SERVER else ("kubesim", "genuine")
FAST_CLIENT = {"qps": 1000, "burst": 1000}  # the tests, not the rate limiter, set the pace
KUBESIM_SPEED = 20
# The stand-in's node, which kubesim's tier copies so that both schedule alike.
NODE_SHAPE = {"cpu": "8", "memory": "32Gi", "gpus": "4", "pods": "110"}
# A node whose kubelet stops is Unknown after kube-controller-manager's grace period (40 s).
NODE_MONITOR_GRACE_SECONDS = 40


@dataclass(frozen=True)
class Tier:
    """The server under contract, and what the tests may do to its only node."""

    name: str
    connection: ClusterConnection
    node: str = ""
    stop_kubelet: Callable[[], None] | None = None  # the node is lost (None: not possible here)
    start_kubelet: Callable[[], None] | None = None


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
    with running_control_plane() as plane, running_standin_kubelet(plane) as kubelet:
        crds.install(plane, crds.KSERVE_INFERENCE_SERVICE)  # a custom kind devcenter lists
        yield plane, kubelet


@pytest.fixture(scope="module", params=TIERS)
def tier(request):
    """The server under contract, one per tier."""
    if request.param == "external":
        yield Tier("external", ClusterConnection("contract", kubeconfig=CONTRACT_KUBECONFIG, context=CONTRACT_CONTEXT))
    elif request.param == "genuine":
        plane, kubelet = request.getfixturevalue("genuine_cluster")
        yield Tier("genuine", plane.connection("contract", **FAST_CLIENT), kubelet.name, kubelet.go_down,
                   kubelet.come_back)
    else:
        from kubesim.nodes import node_object
        from kubesim.testing import running_kubesim

        node = node_object("kubesim-1", **NODE_SHAPE)
        # Real time, sped up: the tests only wait, as they would on a real cluster.
        with running_kubesim(realtime=True, speed=KUBESIM_SPEED, nodes=[node]) as handle:
            sim = handle.sim
            yield Tier("kubesim", ClusterConnection("contract", api_url=handle.url, token=handle.token, **FAST_CLIENT),
                       "kubesim-1", lambda: sim.stop_kubelet("kubesim-1"), lambda: sim.start_kubelet("kubesim-1"))


@pytest.fixture(scope="module")
def api_server(tier):
    return tier.connection


def wait_until_pods_are_admitted(gateway: ClusterGateway, namespace: str) -> None:
    """A new namespace takes pods once its `default` service account exists (the service-account
    controller makes it) and, before 1.24, has its token secret: until then a pod created there
    is refused (500 ServerTimeout "No API token found for service account"). Controllers retry;
    a client creating pods itself waits."""
    needs_token = (gateway.server_version() or (1, 24)) < (1, 24)

    def admitted():
        status, account = raw(gateway, "GET", f"/api/v1/namespaces/{namespace}/serviceaccounts/default")
        return status == 200 and (account.get("secrets") or not needs_token)

    eventually(admitted, timeout=30, interval=0.1, message=f"namespace {namespace}'s default service account")


@pytest.fixture
def namespace(api_server):
    name = f"contract-{uuid.uuid4().hex[:8]}"
    with ClusterGateway(api_server) as admin:
        admin.ensure_namespace(name)
        wait_until_pods_are_admitted(admin, name)
        yield name
        with contextlib.suppress(k8s.ApiException):  # a test may have deleted it already
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


def spec(namespace, workload_id, name, shape=BATCH, **extra) -> WorkloadSpec:
    """A small workload of this test's project (the namespace's name): a batch pod stops after
    2 s on both tiers (kubesim's annotation, which the stand-in reads too)."""
    annotations = {"kubesim.io/run-seconds": "2"} if shape == BATCH else {}
    annotations.update(extra.pop("pod_annotations", {}))
    base = launched_spec("training" if shape == BATCH else "inference", workload_id, project=namespace,
                         name=name, namespace=namespace, image="busybox:1.36", submitter="contract-tests")
    fields = {"command": ["sh", "-c", "echo hello; sleep 2" if shape == BATCH else "echo serving; exec httpd -f -p 8080"],
              "cpu_millicores": 10, "memory_bytes": 16 * 2**20, "pod_annotations": annotations, **extra}
    return replace(base, **fields)


def raw(gateway: ClusterGateway, method: str, path: str, body=None, query: dict | None = None):
    """A plain request with the gateway's credentials (what the typed client cannot send, e.g. an
    invalid body it would refuse itself): (status, decoded JSON or text)."""
    client = gateway.api_client
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    method, url, headers, body, _ = client.param_serialize(
        method, path, query_params=list((query or {}).items()), header_params=headers, body=body,
        auth_settings=["BearerToken"])
    response = client.call_api(method, url, headers, body, _request_timeout=gateway.timeout)
    data = response.read() or b""
    try:
        return response.status, json.loads(data)
    except ValueError:
        return response.status, data.decode(errors="replace")


def server_version(gateway: ClusterGateway) -> tuple[int, int]:
    version = gateway.server_version()
    assert version is not None, "the server does not say its version"
    return version


def pod_named(gateway: ClusterGateway, namespace: str, name: str) -> dict | None:
    status, body = raw(gateway, "GET", f"/api/v1/namespaces/{namespace}/pods/{name}")
    return body if status == 200 else None
