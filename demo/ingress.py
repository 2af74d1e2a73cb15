"""`make run`'s ingress controller for one simulated cluster: what ingress-nginx does in production.

`python -m demo.ingress --cluster east --port 8001 --kubeconfig var/kubesim-east.kubeconfig`

Like ingress-nginx it routes by the cluster's Ingress objects (the ones devcenter creates for
each workspace: a path prefix, a Service, and the `auth-url`/`auth-signin` annotations), and
before every request asks devcenter's forward-auth (`auth-url`) with the browser's cookies and
the original URI: on a 2xx it forwards the request with the headers devcenter answered
(`auth-response-headers`: the server's key, the browser's cookies without devcenter's, who
asks); on 401 it redirects to `auth-signin` with `next`; on 403 it answers 403.

The simulated cluster runs no real JupyterLab, so this process also stands in for the
workspace's server: like the real one it opens only with the key devcenter hands over (the one
in its pod's environment), and it answers with a page of that workspace read from the cluster
(its name, project, cluster, image, and its pod's state), or 503 while no pod is ready, as
ingress-nginx does for a Service without ready endpoints. Standard library only; loopback only.
"""

import argparse
import http.client
import json
import posixpath
import sys
from dataclasses import dataclass
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template
from urllib.parse import quote, unquote, urlencode, urlsplit

INGRESS_NGINX = "nginx.ingress.kubernetes.io/"
PROJECT_LABEL = "devcenter.io/project"
# How the real servers take their key (workloads.types' flavours): JupyterLab an Authorization
# header, code-server its session cookie; the key itself is in the pod's environment.
KEY_VARIABLES = {"JUPYTER_TOKEN": "authorization", "HASHED_PASSWORD": "code-server-session"}
TIMEOUT = 10
PAGE = Template((Path(__file__).with_name("workspace_page.html")).read_text())


@dataclass(frozen=True)
class Route:
    """One path of an Ingress: where it sends requests and who it asks first."""

    namespace: str
    path: str
    service: str
    project: str
    auth_url: str
    signin_url: str
    redirect_param: str
    response_headers: tuple[str, ...]


class Cluster:
    """The simulated cluster's API, read with the kubeconfig kubesim wrote (JSON)."""

    def __init__(self, name: str, kubeconfig: Path | str):
        self.name = name
        self.kubeconfig = Path(kubeconfig)

    def get(self, path: str, **query) -> dict:
        # Read each time: kubesim writes a new kubeconfig when it restarts.
        config = json.loads(self.kubeconfig.read_text())
        server = urlsplit(config["clusters"][0]["cluster"]["server"])
        token = config["users"][0]["user"]["token"]
        connection = http.client.HTTPConnection(server.hostname, server.port, timeout=TIMEOUT)
        try:
            connection.request("GET", path + (f"?{urlencode(query)}" if query else ""),
                               headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        if response.status == 404:
            return {}
        if response.status != 200:
            raise OSError(f"{path}: HTTP {response.status}")
        try:
            return json.loads(body)
        except ValueError as error:
            raise OSError(f"{path}: not JSON") from error

    def routes(self) -> list[Route]:
        routes = []
        for ingress in self.get("/apis/networking.k8s.io/v1/ingresses").get("items", []):
            metadata = ingress.get("metadata", {})
            annotations = metadata.get("annotations") or {}
            for rule in ingress.get("spec", {}).get("rules", []):
                for path in (rule.get("http") or {}).get("paths", []):
                    service = ((path.get("backend") or {}).get("service") or {}).get("name")
                    if not service:
                        continue
                    routes.append(Route(
                        namespace=metadata.get("namespace", ""),
                        path=path.get("path") or "/",
                        service=service,
                        project=(metadata.get("labels") or {}).get(PROJECT_LABEL, ""),
                        auth_url=annotations.get(INGRESS_NGINX + "auth-url", ""),
                        signin_url=annotations.get(INGRESS_NGINX + "auth-signin", ""),
                        redirect_param=annotations.get(INGRESS_NGINX + "auth-signin-redirect-param", "rd"),
                        response_headers=tuple(
                            name.strip()
                            for name in annotations.get(INGRESS_NGINX + "auth-response-headers", "").split(",")
                            if name.strip()
                        ),
                    ))
        return routes

    def ready_pods(self, route: Route) -> tuple[list[dict], list[dict]]:
        """(the pods behind the route's Service, those of them ready)."""
        service = self.get(f"/api/v1/namespaces/{quote(route.namespace)}/services/{quote(route.service)}")
        selector = (service.get("spec") or {}).get("selector") or {}
        if not selector:
            return [], []
        pods = self.get(
            f"/api/v1/namespaces/{quote(route.namespace)}/pods",
            labelSelector=",".join(f"{key}={value}" for key, value in selector.items()),
        ).get("items", [])
        return pods, [pod for pod in pods if is_ready(pod)]


def is_ready(pod: dict) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return not pod.get("metadata", {}).get("deletionTimestamp") and any(
        c.get("type") == "Ready" and c.get("status") == "True" for c in conditions
    )


def routed_path(raw_uri: str) -> str:
    """The path the controller routes on: decoded and normalised (it forwards the raw URI)."""
    path = unquote(raw_uri.split("?", 1)[0])
    normal = posixpath.normpath(path)
    return normal + "/" if path.endswith("/") and normal != "/" else normal


def matching_route(routes: list[Route], path: str) -> Route | None:
    """The longest Prefix match, element by element, as Kubernetes defines `pathType: Prefix`."""
    segments = [s for s in path.split("/") if s]
    best = None
    for route in routes:
        prefix = [s for s in route.path.split("/") if s]
        if segments[: len(prefix)] == prefix and (best is None or len(prefix) > len(best[0])):
            best = (prefix, route)
    return best[1] if best else None


def key_of(pod: dict) -> tuple[str, str]:
    """(how the server takes its key, the key) from the pod's environment."""
    for container in pod.get("spec", {}).get("containers", []):
        for variable in container.get("env") or []:
            if variable.get("name") in KEY_VARIABLES:
                return KEY_VARIABLES[variable["name"]], variable.get("value", "")
    return "", ""


def opens_with_key(pod: dict, headers: dict[str, str]) -> bool:
    """Whether the forwarded request carries the server's key, as the real server checks it."""
    how, key = key_of(pod)
    if not key:
        return False
    if how == "authorization":
        return headers.get("Authorization") == f"token {key}"
    cookies = dict(part.strip().split("=", 1) for part in headers.get("Cookie", "").split(";") if "=" in part)
    return cookies.get(how) == key


def workspace_page(cluster: Cluster, route: Route, pods: list[dict], ready: list[dict], user: str) -> str:
    pod = ready[0]
    segments = [s for s in route.path.split("/") if s]
    containers = pod.get("spec", {}).get("containers") or [{}]
    status = pod.get("status") or {}
    values = {
        "name": segments[-1] if segments else route.service,
        "project": route.project or route.namespace,
        "cluster": cluster.name,
        "namespace": route.namespace,
        "image": containers[0].get("image", ""),
        "pod": pod["metadata"].get("name", ""),
        "phase": status.get("phase", "Unknown"),
        "ready": f"{len(ready)} of {len(pods)} pods ready",
        "node": pod.get("spec", {}).get("nodeName", ""),
        "started": status.get("startTime", ""),
        "user": user,
    }
    return PAGE.substitute({key: escape(str(value)) for key, value in values.items()})


class IngressHandler(BaseHTTPRequestHandler):
    server_version = "devcenter-demo-ingress"
    disable_nagle_algorithm = True  # headers and body in separate sends: no 40 ms delayed ACK
    cluster: Cluster  # set by serve()

    def log_message(self, format, *args):  # noqa: A002 - BaseHTTPRequestHandler's signature
        sys.stderr.write(f"[ingress {self.cluster.name}] {format % args}\n")

    def do_GET(self):  # noqa: N802 - BaseHTTPRequestHandler's names
        self.handle_request(body=True)

    def do_HEAD(self):  # noqa: N802
        self.handle_request(body=False)

    def handle_request(self, body: bool):
        try:
            route = matching_route(self.cluster.routes(), routed_path(self.path))
        except (OSError, ValueError, KeyError) as error:  # kubesim down, or its kubeconfig not written yet
            return self.answer(502, f"The simulated cluster {self.cluster.name} cannot be read: {error}", body)
        if route is None:
            return self.answer(404, "No workspace is published at this address.", body)
        status, granted = self.ask_devcenter(route)
        if status == 401 and route.signin_url:
            target = f"{route.signin_url}?{urlencode({route.redirect_param: self.original_url()})}"
            return self.answer(302, "Sign in to open this workspace.", body, {"Location": target})
        if status in (401, 403):
            return self.answer(status, "You may not open this workspace." if status == 403 else "Sign in first.", body)
        if not 200 <= status < 300:
            return self.answer(500, "devcenter's forward-auth did not answer.", body)
        try:
            pods, ready = self.cluster.ready_pods(route)
        except OSError as error:
            return self.answer(502, f"The simulated cluster {self.cluster.name} cannot be read: {error}", body)
        if not ready:
            return self.answer(503, "The workspace has no ready pod yet.", body)
        if not opens_with_key(ready[0], granted):
            return self.answer(403, "The workspace's server refused a request without its key.", body)
        page = workspace_page(self.cluster, route, pods, ready, granted.get("X-Auth-Request-User", ""))
        self.answer(200, page, body, {"Content-Type": "text/html; charset=utf-8"})

    def original_url(self) -> str:
        return f"http://{self.headers.get('Host', '')}{self.path}"

    def ask_devcenter(self, route: Route) -> tuple[int, dict[str, str]]:
        """GET auth-url with the browser's cookies and the original URI, as ingress-nginx does:
        (its status, the auth-response-headers it gave)."""
        if not route.auth_url:
            return 403, {}  # devcenter makes no Ingress without one; never open without asking
        auth = urlsplit(route.auth_url)
        headers = {"X-Original-URL": self.original_url(), "X-Original-Method": self.command}
        if self.headers.get("Cookie"):
            headers["Cookie"] = self.headers["Cookie"]
        connection = http.client.HTTPConnection(auth.hostname, auth.port or 80, timeout=TIMEOUT)
        try:
            connection.request("GET", auth.path or "/", headers=headers)
            response = connection.getresponse()
            response.read()
        except OSError:
            return 502, {}
        finally:
            connection.close()
        granted = {name: response.getheader(name) for name in route.response_headers if response.getheader(name)}
        return response.status, granted

    def answer(self, status: int, text: str, body: bool, headers: dict | None = None):
        headers = {"Content-Type": "text/plain; charset=utf-8", **(headers or {})}
        payload = (text if headers["Content-Type"].startswith("text/html") else text + "\n").encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if body:
            self.wfile.write(payload)


def serve(cluster: Cluster, host: str, port: int) -> ThreadingHTTPServer:
    handler = type("BoundIngressHandler", (IngressHandler,), {"cluster": cluster})
    return ThreadingHTTPServer((host, port), handler)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.ingress", description=__doc__.splitlines()[0])
    parser.add_argument("--cluster", required=True, help="the simulated cluster's name")
    parser.add_argument("--kubeconfig", required=True, type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    server = serve(Cluster(args.cluster, args.kubeconfig), args.host, args.port)
    print(f"ingress of {args.cluster} on http://{args.host}:{args.port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
