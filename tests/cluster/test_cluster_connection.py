"""ClusterConnection -> ApiClient: kubeconfig or URL + token, no urllib3 retries, a rate limiter."""

import pytest

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
