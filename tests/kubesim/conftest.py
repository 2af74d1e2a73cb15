"""Typed kubernetes clients talking HTTP to a fresh kubesim per test."""

import kubernetes
import pytest
from kubesim.testing import kubesim  # noqa: F401


@pytest.fixture
def api_client(kubesim):  # noqa: F811
    cfg = kubernetes.client.Configuration()
    cfg.host = kubesim.url
    cfg.api_key = {"authorization": "Bearer " + kubesim.token}
    with kubernetes.client.ApiClient(cfg) as client:
        yield client


@pytest.fixture
def core(api_client):
    return kubernetes.client.CoreV1Api(api_client)


@pytest.fixture
def batch(api_client):
    return kubernetes.client.BatchV1Api(api_client)


@pytest.fixture
def apps(api_client):
    return kubernetes.client.AppsV1Api(api_client)


@pytest.fixture
def sim(kubesim):  # noqa: F811
    return kubesim.sim


def pod_body(name, labels=None, annotations=None, containers=None, **spec):
    return {
        "metadata": {"name": name, "labels": labels or {}, "annotations": annotations or {}},
        "spec": {"containers": containers or [{"name": "main", "image": "busybox:1.36"}], **spec},
    }


def job_body(name, annotations=None, **spec):
    return {
        "metadata": {"name": name},
        "spec": {
            "template": {
                "metadata": {"annotations": annotations or {}, "labels": {"app": name}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "trainer:1"}]},
            },
            **spec,
        },
    }


def deployment_body(name, replicas=2, annotations=None, **spec):
    return {
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}, "annotations": annotations or {}},
                "spec": {"containers": [{"name": "server", "image": "inference:1"}]},
            },
            **spec,
        },
    }


def raw(handle, method, path, body=None, content_type="application/json", token=None):
    """A plain HTTP request (for what the typed client cannot express): (status, decoded JSON or text)."""
    import json
    import urllib.error
    import urllib.request

    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(handle.url + path, data=data, method=method)
    request.add_header("Authorization", "Bearer " + (handle.token if token is None else token))
    if data is not None:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, payload, kind = response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        status, payload, kind = error.code, error.read(), error.headers.get("Content-Type", "")
    return status, (json.loads(payload) if "json" in kind else payload.decode())
