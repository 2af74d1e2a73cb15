"""End to end: Debian's nginx with `auth_request` to devcenter's live server, in front of a workspace.

nginx asks `/auth/workspace/` before each request and forwards it to the workspace server
only on a 2xx, with what devcenter answered (the server's key, the browser's cookies without
devcenter's, who asks) in place of what the browser sent: the README's nginx configuration.
The workspace is a small HTTP server that, like JupyterLab, requires `Authorization: token
<its key>`, the key it finds in its Deployment's environment, and records what reached it.
Requests are real HTTP with session cookies from signing in on the live server.
"""

import http.client
import json
import re
import socket
import subprocess
import threading
import time
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings

from tests.conftest import PASSWORD
from workloads.cluster.manifests import build_manifests
from workloads.lifecycle.launch_spec import workload_spec
from workloads.models import WorkloadType

NGINX = Path("/usr/sbin/nginx")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not NGINX.exists(), reason="needs Debian's nginx: bin/ensure-nginx (make test runs it)"),
]

NGINX_CONF = """
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location = /auth {{
            internal;
            proxy_pass http://127.0.0.1:{devcenter_port}/auth/workspace/;
            proxy_set_header Host {devcenter_host};  # a host in devcenter's ALLOWED_HOSTS
            proxy_set_header X-Original-URI $request_uri;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header Cookie $http_cookie;
        }}
        location / {{
            auth_request /auth;
            auth_request_set $workspace_authorization $upstream_http_authorization;
            auth_request_set $workspace_cookie $upstream_http_cookie;
            auth_request_set $workspace_user $upstream_http_x_auth_request_user;
            proxy_set_header Authorization $workspace_authorization;
            proxy_set_header Cookie $workspace_cookie;
            proxy_set_header X-Auth-Request-User $workspace_user;
            proxy_pass http://127.0.0.1:{workspace_port};
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Workspace:
    """A workspace server: answers only requests carrying its key, and remembers every request."""

    def __init__(self, key: str):
        self.key = key
        self.seen: list[dict] = []
        workspace = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                request = {
                    "method": self.command,
                    "path": self.path,
                    "user": self.headers.get("X-Auth-Request-User"),
                    "cookie": self.headers.get("Cookie"),
                    "body": body,
                    "with_key": self.headers.get("Authorization") == f"token {workspace.key}",
                }
                workspace.seen.append(request)  # everything that reached it, with its key or not
                if not request["with_key"]:
                    self.send_response(403)
                    self.end_headers()
                    return
                payload = json.dumps(request).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_HEAD = _answer  # noqa: N815 - BaseHTTPRequestHandler's names

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()


def request(port, path, *, method="GET", cookie="", body=None, **headers):
    """One real HTTP request (no redirects followed) -> (status, headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    sent = {key.replace("_", "-"): value for key, value in headers.items()}
    if cookie:
        sent["Cookie"] = cookie
    if body is not None:
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def cookies_of(headers_list) -> dict[str, str]:
    jar = SimpleCookie()
    for name, value in headers_list:
        if name.lower() == "set-cookie":
            jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def cookies_of_header(header: str) -> dict[str, str]:
    return dict(part.strip().split("=", 1) for part in header.split(";") if "=" in part)


def sign_in(live_server, username) -> str:
    """Sign in through devcenter's login form; the browser's Cookie header afterwards."""
    port = urlsplit(live_server.url).port
    connection = http.client.HTTPConnection("localhost", port, timeout=30)
    connection.request("GET", "/accounts/login/")
    page = connection.getresponse()
    cookies = cookies_of(page.getheaders())
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.read()).group(1).decode()
    form = urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})
    connection.request("POST", "/accounts/login/", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
    })
    signed_in = connection.getresponse()
    signed_in.read()
    connection.close()
    assert signed_in.status == 302, "the sign-in failed"
    cookies.update(cookies_of(signed_in.getheaders()))
    assert settings.SESSION_COOKIE_NAME in cookies
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


@pytest.fixture
def notebook(make_workload, cluster):
    cluster.workload_base_url = "https://ws.example.com"
    cluster.save()
    return make_workload(name="notebook", type=WorkloadType.WORKSPACE, workspace_url="https://ws.example.com/vision/notebook/",
                         spec={"image": "quay.io/jupyter/base-notebook", "workspace_flavour": "jupyterlab"})


@pytest.fixture
def workspace(notebook):
    """The notebook's server, with the key its Deployment gives it."""
    deployment = next(m for m in build_manifests(workload_spec(notebook)) if m["kind"] == "Deployment")
    env = {e["name"]: e["value"] for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
    with Workspace(env["JUPYTER_TOKEN"]) as server:
        yield server


@pytest.fixture
def nginx(tmp_path, live_server, workspace):
    """nginx on a free loopback port; its error log is printed when a test fails."""
    devcenter = urlsplit(live_server.url)
    port = free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp_path, port=port, devcenter_port=devcenter.port,
                                      devcenter_host=devcenter.netloc, workspace_port=workspace.port))
    process = subprocess.Popen([str(NGINX), "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30  # generous: a loaded CI machine
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode() if process.poll() is not None else ""
                pytest.fail(f"nginx did not start: {output}{(tmp_path / 'error.log').read_text()}")
            time.sleep(0.05)
    yield port
    process.terminate()
    process.wait(timeout=10)
    print((tmp_path / "error.log").read_text()[-3000:])  # shown with a failure's output


@pytest.fixture
def member_cookie(live_server, member, project, quota):
    return sign_in(live_server, member.username)


@pytest.fixture
def outsider_cookie(live_server, outsider, other_project, make_workload):
    # The outsider has a workspace of their own, in their own project.
    make_workload(project=other_project, name="mine", type=WorkloadType.WORKSPACE, namespace="sandbox",
                  workspace_url="https://ws.example.com/sandbox/mine/")
    return sign_in(live_server, outsider.username)


def test_a_member_gets_the_workspace_without_devcenters_cookies(nginx, workspace, member_cookie):
    status, _, body = request(nginx, "/vision/notebook/lab?reset", cookie=member_cookie + "; _xsrf=jupyters")
    assert status == 200, body
    seen = json.loads(body)
    assert (seen["path"], seen["user"]) == ("/vision/notebook/lab?reset", "member")
    # The workspace runs its owner's code: devcenter's session and CSRF cookies never reach it.
    assert seen["cookie"] == "_xsrf=jupyters"
    assert {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME} <= set(cookies_of_header(member_cookie))
    # Any method is forwarded: nginx asks with a GET (the forward-auth answers nothing else).
    status, _, body = request(nginx, "/vision/notebook/api/contents", method="POST", cookie=member_cookie,
                              body="name=x")
    assert status == 200 and json.loads(body)["body"] == "name=x"
    assert request(nginx, "/vision/notebook/lab", method="HEAD", cookie=member_cookie)[0] == 200


def test_an_outsider_and_an_anonymous_user_do_not(nginx, workspace, outsider_cookie):
    status, _, _ = request(nginx, "/vision/notebook/lab", cookie=outsider_cookie)
    assert status == 403
    status, _, _ = request(nginx, "/vision/notebook/lab")
    assert status == 401  # where an ingress sends the browser to sign in
    status, _, _ = request(nginx, "/vision/notebook/lab", cookie=f"{settings.SESSION_COOKIE_NAME}=made-up")
    assert status == 401
    assert workspace.seen == []


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/vision/notebook/lab", {"X-Forwarded-User": "member", "X-Auth-Request-User": "member", "Remote-User": "member"}),
        ("/vision/notebook/lab", {"X-Original-URI": "/sandbox/mine/"}),  # nginx sets its own
        ("/vision/notebook/lab", {"X-Forwarded-Uri": "/sandbox/mine/"}),  # passed on: must agree
        ("/vision/notebook/lab", {"X-Original-URL": "https://ws.example.com/sandbox/mine/"}),
        ("/sandbox/mine/../../vision/notebook/lab", {}),  # nginx routes it as /vision/notebook/lab
        ("/sandbox/mine/%2E%2E/%2E%2E/vision/notebook/lab", {}),
    ],
    ids=["user-headers", "original-uri", "forwarded-uri", "original-url", "dot-segments", "encoded-dots"],
)
def test_a_forged_header_does_not_help_an_outsider(nginx, workspace, outsider_cookie, path, headers):
    status, _, _ = request(nginx, path, cookie=outsider_cookie, **headers)
    assert status == 403
    assert workspace.seen == []  # refused by devcenter's answer, not by the workspace's key


def test_a_members_forged_headers_are_replaced_by_devcenters(nginx, workspace, member_cookie):
    status, _, body = request(nginx, "/vision/notebook", cookie=member_cookie, X_Auth_Request_User="outsider",
                              Authorization="token guessed")
    assert status == 200
    assert json.loads(body)["user"] == "member"


def test_each_workspace_opens_only_with_its_own_key(nginx, workspace, outsider_cookie):
    # devcenter lets the outsider into their own workspace, with its key; routed to another
    # workspace's server (here nginx sends everything to the notebook's), that key opens nothing.
    status, _, _ = request(nginx, "/sandbox/mine/", cookie=outsider_cookie)
    assert status == 403
    # Nor does a guess, as from a pod of another project if the NetworkPolicy were not enforced.
    status, _, _ = request(workspace.port, "/vision/notebook/lab", Authorization="token guessed")
    assert status == 403
    assert [(seen["path"], seen["with_key"]) for seen in workspace.seen] == [
        ("/sandbox/mine/", False), ("/vision/notebook/lab", False),
    ]
