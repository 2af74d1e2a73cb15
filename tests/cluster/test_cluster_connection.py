"""ClusterConnection -> ApiClient: kubeconfig or URL + token, no urllib3 retries, a rate limiter."""

import http.server
import shutil
import ssl
import subprocess
import threading
from types import SimpleNamespace

import pytest
from kubesim.kubeconfig import write_kubeconfig

from workloads.cluster import ClusterConnection, ClusterGateway, ClusterUnreachable, project_selector
from workloads.cluster.connection import TokenBucket, api_client


def test_url_and_token(kubesim):
    client = api_client(ClusterConnection("sim", api_url=kubesim.url + "/", token=kubesim.token))
    assert client.configuration.host == kubesim.url
    assert client.configuration.retries is False
    assert client.configuration.api_key_prefix == {"BearerToken": "Bearer"}


def test_kubeconfig_and_context(kubesim, sim, tmp_path):
    path = tmp_path / "kubeconfig"
    kubesim.write_kubeconfig(str(path))
    with ClusterGateway(ClusterConnection("sim", kubeconfig=str(path))) as gateway:
        assert gateway.api_client.configuration.retries is False
        assert gateway.list_components(project_selector(["vision"])) == []


def test_a_connection_needs_somewhere_to_go():
    with pytest.raises(ValueError):
        ClusterConnection("nowhere")


def test_repr_hides_the_token():
    assert "s3cret" not in repr(ClusterConnection("c", api_url="https://k", token="s3cret"))


def test_every_call_has_a_timeout(kubesim, sim):
    sim.faults.add(method="GET", path=r"/api/v1/pods$", delay=1.5)
    connection = ClusterConnection("sim", api_url=kubesim.url, token=kubesim.token, request_timeout=(1, 0.5))
    with ClusterGateway(connection) as gateway, pytest.raises(ClusterUnreachable, match="timed out"):
        gateway.list_components(project_selector(["vision"]))


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_token_bucket_allows_a_burst_then_the_rate():
    clock = FakeClock()
    bucket = TokenBucket(qps=10, burst=3, clock=clock, sleep=clock.sleep)
    waits = [bucket.acquire() for _ in range(5)]
    assert waits[:3] == [0, 0, 0]
    assert waits[3] == pytest.approx(0.1)
    assert waits[4] == pytest.approx(0.1)
    clock.now += 10  # idle: the bucket refills up to the burst, not beyond
    assert [bucket.acquire() for _ in range(3)] == [0, 0, 0]
    assert bucket.acquire() == pytest.approx(0.1)


def test_clients_of_one_cluster_share_a_bucket(kubesim):
    connection = ClusterConnection("shared", api_url=kubesim.url, qps=5, burst=1)
    assert api_client(connection).limiter is api_client(connection).limiter
    other = ClusterConnection("other", api_url=kubesim.url, qps=5, burst=1)
    assert api_client(other).limiter is not api_client(connection).limiter


def test_rate_limit_applies_to_api_calls(kubesim, sim):
    import time

    connection = ClusterConnection("slow", api_url=kubesim.url, token=kubesim.token, qps=20, burst=1)
    with ClusterGateway(connection) as gateway:
        started = time.monotonic()
        gateway.list_components(project_selector(["vision"]))  # 8 LISTs, 1 free
        assert time.monotonic() - started >= 7 / 20 * 0.9


def test_an_explicit_token_replaces_the_kubeconfigs_credentials(kubesim, sim, tmp_path):
    # The kubeconfig holds a stale token; the cluster row's token is the one to send (once
    # "Bearer Bearer <token>": 401 on every call).
    path = write_kubeconfig(str(tmp_path / "kubeconfig"), kubesim.url, "stale-token")
    stale = ClusterGateway(ClusterConnection("sim", kubeconfig=path))
    with stale, pytest.raises(ClusterUnreachable, match="Unauthorized"):
        stale.list_components(project_selector(["vision"]))
    connection = ClusterConnection("sim", kubeconfig=path, token=kubesim.token)
    with ClusterGateway(connection) as gateway:
        assert gateway.list_components(project_selector(["vision"])) == []
        assert (
            gateway.api_client.configuration.auth_settings()["BearerToken"]["value"]
            == f"Bearer {kubesim.token}"
        )


def _kubeconfig(tmp_path, text):
    path = tmp_path / "kubeconfig"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (lambda tmp: {"kubeconfig": str(tmp / "missing")}, r"kubeconfig .*missing not found"),
        (
            lambda tmp: {"kubeconfig": _kubeconfig(tmp, "clusters: [a\n")},
            r"is not valid YAML: .*\(line \d+\)",
        ),
        (lambda tmp: {"kubeconfig": _kubeconfig(tmp, "just a sentence\n")}, r"cannot be used"),
        (lambda tmp: {"kubeconfig": _kubeconfig(tmp, "")}, r"empty"),
        (
            lambda tmp: {
                "kubeconfig": _kubeconfig(tmp, "apiVersion: v1\nkind: Config\nclusters: []\nusers: []\n")
            },
            r"names no current-context",
        ),
        (lambda tmp: {"api_url": "not a url"}, r"API URL 'not a url' is not an http\(s\) URL"),
        (lambda tmp: {"api_url": "ftp://example.com"}, r"is not an http\(s\) URL"),
        (lambda tmp: {"api_url": "https://example.com:99999"}, r"is not an http\(s\) URL"),
    ],
    ids=[
        "missing-file",
        "bad-yaml",
        "not-a-kubeconfig",
        "empty-file",
        "no-context",
        "not-a-url",
        "ftp",
        "bad-port",
    ],
)
def test_a_connection_that_cannot_be_built_is_unreachable_with_the_reason(tmp_path, settings, message):
    with pytest.raises(ClusterUnreachable, match=message) as error:
        ClusterGateway(ClusterConnection("broken", **settings(tmp_path)))
    assert error.value.cluster == "broken"


def test_a_context_the_kubeconfig_does_not_have_is_unreachable_with_the_reason(kubesim, tmp_path):
    path = kubesim.write_kubeconfig(str(tmp_path / "kubeconfig"))
    with pytest.raises(ClusterUnreachable, match="names no context 'elsewhere'"):
        ClusterGateway(ClusterConnection("sim", kubeconfig=path, context="elsewhere"))


def test_a_cluster_row_without_kubeconfig_or_url_is_unreachable_with_the_reason():
    row = SimpleNamespace(name="empty", api_url="", token="", kubeconfig="", context="", verify_ssl=True, in_cluster=False)
    with pytest.raises(ClusterUnreachable, match="set a kubeconfig or an api_url"):
        ClusterGateway.for_cluster(row)


@pytest.fixture
def self_signed_server(tmp_path):
    """An HTTPS server with a certificate no client trusts."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_tls_error_is_unreachable_with_a_plain_reason(self_signed_server):
    connection = ClusterConnection("tls", api_url=self_signed_server, token="t", request_timeout=(2, 2))
    with ClusterGateway(connection) as gateway, pytest.raises(ClusterUnreachable) as error:
        gateway.node_capacity()
    assert error.value.message.startswith("TLS error: ")
    assert "certificate verify failed" in error.value.message
    assert "MaxRetryError" not in error.value.message and "HTTPSConnectionPool" not in error.value.message
