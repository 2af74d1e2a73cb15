"""A cluster registered as "this cluster" is reached with the pod's service account: the
KUBERNETES_SERVICE_HOST/PORT variables and the token and CA the kubelet mounts, over HTTPS
verified against that CA (here kubesim behind TLS, with the files in a temporary directory)."""

import shutil
import ssl
import threading

import pytest
from django.core.exceptions import ValidationError
from kubesim.nodes import node_object
from kubesim.server import KubeSimHTTPServer
from kubesim.simulator import Simulator, new_token

from projects.models import Cluster, Project, Quota
from tests.contract.genuine.control_plane import _make_certificates
from workloads.cluster import ClusterGateway, ClusterUnreachable
from workloads.models import Workload
from workloads.sync.refresh import refresh_cluster


@pytest.fixture
def kubesim_over_https(tmp_path):
    """(simulator, port, CA file) of a kubesim served with a certificate for 127.0.0.1."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    _make_certificates(openssl, tmp_path)
    sim = Simulator(token=new_token(), nodes=[node_object("node-1", cpu="8", memory="32Gi", gpus="4", pods="110")])
    httpd = KubeSimHTTPServer(("127.0.0.1", 0), sim)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "server.crt", tmp_path / "server.key")
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield sim, httpd.server_address[1], tmp_path / "ca.crt"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def in_a_pod(kubesim_over_https, tmp_path, monkeypatch):
    """The environment and files a pod gets from its service account."""
    sim, port, ca = kubesim_over_https
    mount = tmp_path / "serviceaccount"
    mount.mkdir()
    (mount / "token").write_text(sim.token)
    shutil.copy(ca, mount / "ca.crt")
    (mount / "namespace").write_text("devcenter")
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", str(port))
    monkeypatch.setenv("DEVCENTER_SERVICE_ACCOUNT_DIR", str(mount))
    return sim, mount


@pytest.mark.django_db
def test_this_cluster_is_refreshed_with_the_pods_service_account(in_a_pod):
    sim, _ = in_a_pod
    sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "vision"}})
    sim.create({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "notebook", "namespace": "vision", "labels": {"devcenter.io/project": "vision"}},
        "spec": {"containers": [{"name": "main", "image": "jupyter:1"}]},
    })
    cluster = Cluster.objects.create(name="here", in_cluster=True)
    cluster.full_clean()
    Quota.objects.create(project=Project.objects.create(name="vision"), cluster=cluster, namespace="vision")

    result = refresh_cluster(cluster.id)

    assert result.reachable, result.error
    cluster.refresh_from_db()
    assert cluster.reachable and cluster.capacity_gpu == 4
    assert Workload.objects.filter(cluster=cluster, name="notebook").exists()  # adopted as Custom
    assert any(r.method == "GET" and r.path == "/api/v1/pods" for r in sim.requests)  # kubesim checked the token


def test_the_token_is_sent_and_the_ca_verified(in_a_pod):
    sim, mount = in_a_pod
    row = Cluster(name="here", in_cluster=True)
    with ClusterGateway.for_cluster(row) as gateway:
        assert gateway.api_client.configuration.host.startswith("https://127.0.0.1:")
        assert gateway.node_capacity().gpu == 4
    (mount / "token").write_text("not-the-token")
    with ClusterGateway.for_cluster(row) as gateway, pytest.raises(ClusterUnreachable):
        gateway.node_capacity()


def test_a_ca_that_did_not_sign_the_server_is_refused(in_a_pod, tmp_path):
    _, mount = in_a_pod
    other = tmp_path / "other"
    other.mkdir()
    _make_certificates(shutil.which("openssl"), other)
    shutil.copy(other / "ca.crt", mount / "ca.crt")
    gateway = ClusterGateway.for_cluster(Cluster(name="here", in_cluster=True))
    with gateway, pytest.raises(ClusterUnreachable, match="(?i)certificate"):
        gateway.node_capacity()


def test_outside_a_pod_this_cluster_is_unreachable_with_the_reason(monkeypatch, tmp_path):
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.setenv("DEVCENTER_SERVICE_ACCOUNT_DIR", str(tmp_path))
    with pytest.raises(ClusterUnreachable, match="not running in a pod of this cluster"):
        ClusterGateway.for_cluster(Cluster(name="here", in_cluster=True))


def test_this_cluster_takes_no_url_kubeconfig_or_token():
    with pytest.raises(ValidationError, match="service account"):
        Cluster(name="here", in_cluster=True, api_url="https://k8s.example.com").clean()
    with pytest.raises(ValidationError, match="this cluster"):
        Cluster(name="nowhere").clean()
