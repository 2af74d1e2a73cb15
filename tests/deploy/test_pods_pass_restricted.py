"""The overlay's pods pass Pod Security "restricted" as the API server enforces it (kubesim's
admission follows the real plugin; v1.20, the genuine tier, has none): its own Namespace
object enforces it, a pod of every Deployment template is admitted there, and the same pod
without `capabilities.drop` is refused (the check is live)."""

import copy

import pytest
from kubesim.testing import kubesim  # noqa: F401  (the fixture)

from tests.contract.conftest import raw
from workloads.cluster import ClusterConnection, ClusterGateway

from .conftest import of_kind


@pytest.fixture
def gateway(kubesim):  # noqa: F811
    with ClusterGateway(ClusterConnection("sim", api_url=kubesim.url, token=kubesim.token)) as gateway:
        yield gateway


def pod_of(deployment: dict) -> dict:
    template = copy.deepcopy(deployment["spec"]["template"])
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": deployment["metadata"]["name"], "namespace": "devcenter",
                         "labels": template["metadata"]["labels"]},
            "spec": template["spec"]}


def test_every_pod_of_the_overlay_runs_under_restricted(built, gateway, kubesim):  # noqa: F811
    (namespace,) = of_kind(built, "Namespace")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert raw(gateway, "POST", "/api/v1/namespaces", body=namespace)[0] == 201
    (account,) = of_kind(built, "ServiceAccount")
    assert raw(gateway, "POST", "/api/v1/namespaces/devcenter/serviceaccounts", body=account)[0] == 201
    for deployment in of_kind(built, "Deployment"):
        status, body = raw(gateway, "POST", "/api/v1/namespaces/devcenter/pods", body=pod_of(deployment))
        assert status == 201, body["message"]
    (web,) = [d for d in of_kind(built, "Deployment") if d["metadata"]["name"] == "devcenter-web"]
    careless = pod_of(web)
    careless["metadata"]["name"] = "careless"
    del careless["spec"]["containers"][0]["securityContext"]["capabilities"]
    status, body = raw(gateway, "POST", "/api/v1/namespaces/devcenter/pods", body=careless)
    assert status == 403 and 'violates PodSecurity "restricted' in body["message"]
