"""Fault injection: error statuses, delays, dropped connections and a full outage."""

import time

import kubernetes
import pytest
import urllib3
from kubernetes.client.exceptions import ApiException


def test_status_fault_n_times_then_ok(core, sim):
    sim.faults.add(method="GET", path=r"/api/v1/namespaces/default/pods$", times=2, status=500, message="boom")
    for _ in range(2):
        with pytest.raises(ApiException) as excinfo:
            core.list_namespaced_pod("default")
        assert excinfo.value.status == 500
        assert '"reason":"InternalError"' in excinfo.value.body.replace(" ", "")
    assert core.list_namespaced_pod("default").items == []


def test_fault_matches_method_and_path(core, sim):
    sim.faults.add(method="DELETE", path=r"/configmaps/", times=1, status=503)
    core.create_namespaced_config_map("default", {"metadata": {"name": "c"}})
    with pytest.raises(ApiException) as excinfo:
        core.delete_namespaced_config_map("c", "default")
    assert excinfo.value.status == 503
    core.delete_namespaced_config_map("c", "default")


def test_delay_causes_client_timeout(core, sim):
    sim.faults.add(path=r"/pods", delay=1.5, times=None)
    started = time.monotonic()
    # ReadTimeoutError, or MaxRetryError wrapping it after urllib3's own retries.
    with pytest.raises((urllib3.exceptions.ReadTimeoutError, urllib3.exceptions.MaxRetryError)):
        core.list_namespaced_pod("default", _request_timeout=0.3)
    assert time.monotonic() - started < 2
    sim.faults.clear()


def test_dropped_connection_raises_urllib3_error(kubesim, sim):
    cfg = kubernetes.client.Configuration()
    cfg.host = kubesim.url
    cfg.api_key = {"authorization": "Bearer " + kubesim.token}
    cfg.retries = 0  # urllib3 would otherwise retry idempotent requests 3 times
    core = kubernetes.client.CoreV1Api(kubernetes.client.ApiClient(cfg))
    sim.faults.add(path=r"/pods", drop=True, times=1)
    with pytest.raises(urllib3.exceptions.HTTPError):
        core.list_namespaced_pod("default")
    assert core.list_namespaced_pod("default").items == []


def test_clear_removes_faults(core, sim):
    sim.faults.add(path=".*", times=None, status=500)
    sim.faults.clear()
    core.list_namespaced_pod("default")


def test_outage_and_recovery_on_same_url(kubesim, core):
    core.list_namespaced_pod("default")  # a pooled keep-alive connection exists now
    with kubesim.outage(), pytest.raises(urllib3.exceptions.HTTPError):
        core.list_namespaced_pod("default", _request_timeout=2)
    assert core.list_namespaced_pod("default").items == []
