"""`make run`'s workspace ingress (demo/ingress.py), in real HTTP, in front of the live server.

The workspace's objects are what a launch creates (Deployment, Service, NetworkPolicy and an
Ingress carrying devcenter's forward-auth annotations), in kubesim; the ingress routes by that
Ingress, asks `/auth/workspace/` with the browser's cookies, and answers with the workspace's
page (read from the simulated cluster) for a member, 403 for an outsider, and sends an
anonymous visitor to sign in with `next` leading back.
"""

import re
import threading
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.core.management import call_command
from kubesim.testing import running_kubesim

from demo.ingress import Cluster as SimulatedCluster
from demo.ingress import serve
from projects.models import Cluster
from tests.conftest import PASSWORD
from tests.web.test_workspace_auth_nginx import cookies_of, request
from workloads.cluster.manifests import build_manifests
from workloads.lifecycle.launch_spec import workload_spec
from workloads.models import Workload, WorkloadType
from workloads.sync.refresh import refresh_cluster

pytestmark = pytest.mark.django_db(transaction=True)
IMAGE = "quay.io/jupyter/base-notebook:2025-01"


def sign_in(live_server, username, password=PASSWORD) -> str:
    """Sign in on devcenter's login form; the Cookie header a browser then sends to any port of its host."""
    port, host = urlsplit(live_server.url).port, urlsplit(live_server.url).netloc  # a host in ALLOWED_HOSTS
    status, headers, body = request(port, "/accounts/login/", Host=host)
    cookies = cookies_of(headers.items())
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    status, headers, _ = request(port, "/accounts/login/", method="POST", body=form, Host=host,
                                 cookie="; ".join(f"{k}={v}" for k, v in cookies.items()))
    assert status == 302, f"{username} could not sign in"
    cookies.update(cookies_of(headers.items()))
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


@pytest.fixture
def simulated(cluster):
    with running_kubesim(nodes=1) as handle:
        handle.sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "vision"}})
        yield handle


@pytest.fixture
def ingress(simulated, cluster):
    """The ingress of the simulated cluster `east`, on a free loopback port."""
    server = serve(SimulatedCluster(cluster.name, simulated.kubeconfig_path), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def published(settings, live_server, ingress, simulated, cluster, make_workload):
    """A launched workspace in the simulated cluster, published on the ingress, its pod ready."""
    settings.WORKSPACE_AUTH_URL = f"{live_server.url}/auth/workspace/"
    settings.WORKSPACE_SIGNIN_URL = f"{live_server.url}/accounts/login/"
    cluster.workload_base_url = f"http://127.0.0.1:{ingress}"
    cluster.save()

    def publish(name, ready=True):
        workload = make_workload(name=name, type=WorkloadType.WORKSPACE,
                                 spec={"image": IMAGE, "workspace_flavour": "jupyterlab"})
        manifests = build_manifests(workload_spec(workload))
        assert [m["kind"] for m in manifests] == ["NetworkPolicy", "Deployment", "Service", "Ingress"]
        if not ready:
            deployment = manifests[1]["spec"]["template"]["metadata"]
            deployment.setdefault("annotations", {})["kubesim.io/ready-seconds"] = "100000"
        for manifest in manifests:
            simulated.sim.create(manifest)
        simulated.sim.advance(30)
        return workload

    return publish


def test_a_member_gets_the_workspaces_own_page(published, ingress, live_server, member, quota):
    published("notebook")
    cookie = sign_in(live_server, member.username)
    status, headers, body = request(ingress, "/vision/notebook/lab", cookie=cookie)
    assert status == 200, body
    page = body.decode()
    assert headers["Content-Type"].startswith("text/html")
    assert "<h1>notebook</h1>" in page
    for shown in ("Workspace of project vision", "simulated cluster east", IMAGE, "Running, 1 of 1 pods ready",
                  "signed in as member"):
        assert shown in page, shown
    assert re.search(r"<dt>Pod</dt><dd>notebook-[a-z0-9]+-", page)  # the Deployment's pod, by name


def test_an_outsider_is_refused_and_an_anonymous_visitor_sent_to_sign_in(
    published, ingress, live_server, outsider, member, quota
):
    published("notebook")
    outsider_cookie = sign_in(live_server, outsider.username)
    status, _, body = request(ingress, "/vision/notebook/", cookie=outsider_cookie)
    assert (status, body) == (403, b"You may not open this workspace.\n")

    status, headers, _ = request(ingress, "/vision/notebook/lab?x=1")
    assert status == 302
    target = urlsplit(headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{live_server.url}/accounts/login/"
    back = parse_qs(target.query)["next"]
    assert back == [f"http://127.0.0.1:{ingress}/vision/notebook/lab?x=1"]

    # Signing in there leads back to the workspace (its host is a cluster's workspace base URL).
    member_cookie = sign_in(live_server, member.username)
    status, headers, _ = request(
        urlsplit(live_server.url).port, f"/accounts/login/?next={back[0]}", cookie=member_cookie,
        Host=urlsplit(live_server.url).netloc,
    )
    assert (status, headers["Location"]) == (302, back[0])


def test_a_path_that_escapes_the_workspace_is_refused(published, ingress, live_server, outsider):
    published("notebook")
    cookie = sign_in(live_server, outsider.username)
    # The ingress routes the normalised path (/vision/notebook/) and forwards the raw one.
    status, _, _ = request(ingress, "/sandbox/mine/../../vision/notebook/", cookie=cookie)
    assert status == 403


def test_a_workspace_without_a_ready_pod_answers_503_and_an_unknown_path_404(
    published, ingress, live_server, member, quota
):
    published("starting", ready=False)
    cookie = sign_in(live_server, member.username)
    assert request(ingress, "/vision/starting/", cookie=cookie)[0] == 503
    assert request(ingress, "/vision/nothing-here/", cookie=cookie)[0] == 404


def test_the_seeded_demo_workspace_is_published_on_its_clusters_ingress(settings, live_server):
    """seed_demo + demo_cluster (what `make run` runs): the running workspace's URL is its
    cluster's ingress address, and the ingress serves it to `dev` after a refresh."""
    settings.WORKSPACE_AUTH_URL = f"{live_server.url}/auth/workspace/"
    call_command("seed_demo", verbosity=0)
    with running_kubesim(nodes=4) as east, running_kubesim(nodes=2) as west:
        for handle, name in ((east, "east"), (west, "west")):
            Cluster.objects.filter(name=name).update(kubeconfig=handle.kubeconfig_path, context="kubesim")
        call_command("demo_cluster", verbosity=0)
        east.sim.advance(30)
        notebook = Workload.objects.get(name="notebook-alice")
        assert notebook.workspace_url == "http://127.0.0.1:8001/vision/notebook-alice/"  # DEVCENTER_ADDRESS default
        assert refresh_cluster(notebook.cluster_id).reachable
        server = serve(SimulatedCluster("east", east.kubeconfig_path), "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            status, _, body = request(server.server_address[1], "/vision/notebook-alice/",
                                      cookie=sign_in(live_server, "dev", password="devcenter-demo"))
        finally:
            server.shutdown()
            server.server_close()
    assert status == 200, body
    assert "<h1>notebook-alice</h1>" in body.decode()
