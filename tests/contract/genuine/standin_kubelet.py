"""A stand-in kubelet and scheduler for one node of the genuine control plane.

No real kubelet or scheduler runs in the genuine tier, so this thread-based stand-in plays
both, through the same API a real one uses (admin token, plain HTTPS):

- registers a Node (InternalIP 127.0.0.1, 8 cpu, 32Gi, 4 `nvidia.com/gpu`, 110 pods) whose
  `daemonEndpoints.kubeletEndpoint.Port` is its own HTTPS server, and heartbeats it (node
  status + a Lease in kube-node-lease);
- list+watches pods; binds unscheduled ones (POST pods/binding) when they fit and tolerate
  the node's taints, else sets `PodScheduled=False` (Unschedulable) with the scheduler's message
  (`kubesim.scheduling`: kube-scheduler's filters and words);
- moves bound pods through their life with the status subresource, as `kubesim.podlife`
  computes it: kubesim's own kubelet reports the same, so the two tiers behave alike by
  construction (the model's clock starts when the pod is bound);
- finishes graceful deletion (deletes with gracePeriodSeconds=0 once the containers "exit");
- serves `/containerLogs/{namespace}/{pod}/{container}` (the apiserver proxies `pods/log`
  there, without verifying our certificate), with the model's log lines and kubelet errors.

`go_down()` is a lost node: no heartbeats (the node-lifecycle controller marks it Unknown
~40 s later), no pod updates or deletions, and connections to its log port are refused (the
apiserver answers 500). `come_back()` resumes all of it on the same port.
"""

import contextlib
import http.client
import itertools
import json
import logging
import re
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import urllib3
from kubesim.podlife import (
    LogUnavailable,
    Timeline,
    log_lines,
    log_run,
    log_window,
    pod_condition,
    pod_status,
    rfc3339,
    rfc3339_nano,
    termination_due,
)
from kubesim.scheduling import pod_requests, unfit_reasons, unschedulable_message

logger = logging.getLogger(__name__)

TERMINAL = ("Succeeded", "Failed")
SYNC_INTERVAL = 0.2  # seconds between passes over the pods (timed transitions)
LOG_PATH = re.compile(r"^/containerLogs/([^/]+)/([^/]+)/([^/]+)$")


class Api:
    """Plain JSON over HTTPS with the admin token (keep-alive pool, no retries)."""

    def __init__(self, url: str, token: str, ca_path: str):
        self.url, self.ca_path = url, ca_path
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.pool = urllib3.PoolManager(ca_certs=ca_path, cert_reqs="CERT_REQUIRED", retries=False,
                                        timeout=urllib3.Timeout(connect=3, read=20), maxsize=4)

    def call(self, method: str, path: str, body=None, content_type="application/json") -> tuple[int, dict]:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = content_type
        response = self.pool.request(method, self.url + path, body=data, headers=headers)
        try:
            return response.status, json.loads(response.data or b"{}")
        except ValueError:
            return response.status, {"message": response.data.decode(errors="replace")}

    def patch(self, path: str, body) -> tuple[int, dict]:
        return self.call("PATCH", path, body, "application/merge-patch+json")

    def watch(self, path: str) -> http.client.HTTPSConnection:
        """Open a watch; read events with `connection.response.readline()`."""
        parsed = urllib.parse.urlsplit(self.url)
        context = ssl.create_default_context(cafile=self.ca_path)
        connection = http.client.HTTPSConnection(parsed.hostname, parsed.port, context=context, timeout=10)
        connection.request("GET", path, headers=self.headers)
        connection.response = connection.getresponse()
        connection.sock.settimeout(None)  # events may be minutes apart; stop() closes the socket
        return connection


@dataclass
class Tracked:
    """What this kubelet remembers about a pod bound to it."""

    timeline: Timeline
    pod_ip: str
    written: str = ""  # the last status sent (JSON): only changes are written
    deleting_since: float | None = None


class StandinKubelet:
    def __init__(self, url: str, token: str, ca_path: str, cert_path: str, key_path: str, *,
                 name: str = "standin-1", cpu: str = "8", memory: str = "32Gi", gpus: str = "4",
                 max_pods: str = "110", heartbeat_seconds: float = 5.0):
        self.api = Api(url, token, ca_path)
        self.name = name
        self.resources = {"cpu": cpu, "memory": memory, "nvidia.com/gpu": gpus, "pods": max_pods,
                          "ephemeral-storage": "100Gi"}
        self.heartbeat_seconds = heartbeat_seconds
        self._pods: dict[str, dict] = {}  # uid -> pod, from list+watch
        self._tracked: dict[str, Tracked] = {}  # uid -> bound here
        self._binding: dict[str, dict] = {}  # uid -> requests of pods bound but not yet seen bound
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._heartbeating = threading.Event()
        self._ready_since = time.time()
        self._node: dict = {}
        self._node_read_at = 0.0
        self._watch_connection = None
        self._threads: list[threading.Thread] = []
        self._addresses = itertools.count()  # pod IPs, 10.244.x.y
        self._cert_path, self._key_path = cert_path, key_path
        self._server = self._log_server(cert_path, key_path)
        self._port = self._server.server_address[1]

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._port

    def start(self, timeout: float = 30.0) -> "StandinKubelet":
        self._register()
        self._heartbeating.set()
        self._serve_logs_in_thread()
        for target in (self._heartbeat_loop, self._informer_loop, self._sync_loop):
            thread = threading.Thread(target=target, name=f"{self.name}-{target.__name__}", daemon=True)
            thread.start()
            self._threads.append(thread)
        self._wait_schedulable(timeout)
        return self

    def _serve_logs_in_thread(self) -> None:
        thread = threading.Thread(target=self._server.serve_forever, name=f"{self.name}-logs", daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        connection = self._watch_connection
        if connection is not None and connection.sock is not None:
            with contextlib.suppress(OSError):
                connection.sock.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=5)
        self.api.pool.clear()

    def go_down(self) -> None:
        """The node is lost: no heartbeats, no pod updates, its kubelet port refuses connections."""
        self._heartbeating.clear()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def come_back(self) -> None:
        """The node is back: its log port listens again (the same one), heartbeats and pods resume."""
        if self._server is None:
            self._server = self._log_server(self._cert_path, self._key_path, self._port)
            self._serve_logs_in_thread()
        with self._lock:
            for tracked in self._tracked.values():
                tracked.written = ""  # report every pod again: the node controller changed them
        self._ready_since = time.time()
        self._heartbeating.set()
        self._wake.set()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # -- node --------------------------------------------------------------------------------

    def _node_status(self) -> dict:
        now, since = rfc3339(time.time()), rfc3339(self._ready_since)

        def condition(kind, status, reason, message):
            return {"type": kind, "status": status, "reason": reason, "message": message,
                    "lastHeartbeatTime": now, "lastTransitionTime": since}

        return {
            "capacity": self.resources,
            "allocatable": self.resources,
            "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": self.port}},
            "nodeInfo": {"machineID": self.name, "systemUUID": self.name, "bootID": self.name,
                         "kernelVersion": "stand-in", "osImage": "stand-in kubelet (devcenter contract tests)",
                         "containerRuntimeVersion": "containerd://stand-in", "kubeletVersion": "v1.20.2",
                         "kubeProxyVersion": "v1.20.2", "operatingSystem": "linux", "architecture": "amd64"},
            "conditions": [
                condition("MemoryPressure", "False", "KubeletHasSufficientMemory",
                          "kubelet has sufficient memory available"),
                condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
        }

    def _register(self) -> None:
        labels = {"kubernetes.io/hostname": self.name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}
        node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": self.name, "labels": labels},
                "status": self._node_status()}  # a node may carry its status on create
        status, body = self.api.call("POST", "/api/v1/nodes", node)
        if status == 409:
            status, body = self.api.patch(f"/api/v1/nodes/{self.name}/status", {"status": self._node_status()})
        if status not in (200, 201):
            raise RuntimeError(f"cannot register node {self.name}: {status} {body.get('message')}")
        self._node = body
        lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                 "metadata": {"name": self.name, "ownerReferences": [
                     {"apiVersion": "v1", "kind": "Node", "name": self.name, "uid": body["metadata"]["uid"]}]},
                 "spec": {"holderIdentity": self.name, "leaseDurationSeconds": 40,
                          "renewTime": rfc3339_nano(time.time())}}
        self.api.call("POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", lease)

    def _heartbeat(self) -> None:
        status, body = self.api.patch(f"/api/v1/nodes/{self.name}/status", {"status": self._node_status()})
        if status == 200:
            self._node, self._node_read_at = body, time.monotonic()
        self.api.patch(f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{self.name}",
                       {"spec": {"renewTime": rfc3339_nano(time.time())}})

    def _heartbeat_loop(self) -> None:
        while not self._stopping.wait(self.heartbeat_seconds):
            if self._heartbeating.is_set():
                self._logged(self._heartbeat)

    def _wait_schedulable(self, timeout: float) -> None:
        """New nodes carry the not-ready taint until the node-lifecycle controller lifts it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._refresh_node(max_age=0)
            if not self._node.get("spec", {}).get("taints"):
                return
            time.sleep(0.2)
        raise RuntimeError(f"node {self.name} still tainted after {timeout:.0f} s: {self._node['spec']['taints']}")

    def _refresh_node(self, max_age: float = 1.0) -> None:
        if time.monotonic() - self._node_read_at >= max_age:
            status, body = self.api.call("GET", f"/api/v1/nodes/{self.name}")
            if status == 200:
                self._node, self._node_read_at = body, time.monotonic()

    # -- pods: list + watch ----------------------------------------------------------------

    def _informer_loop(self) -> None:
        version = None
        while not self._stopping.is_set():
            try:
                if version is None:
                    version = self._relist()
                version = self._watch(version)
            except Exception:  # keep watching whatever happens; a relist repairs the cache
                if not self._stopping.is_set():
                    logger.exception("%s: pod watch failed; listing again", self.name)
                    version = None
                    time.sleep(0.5)

    def _relist(self) -> str:
        status, body = self.api.call("GET", "/api/v1/pods")
        if status != 200:
            raise RuntimeError(f"list pods: {status} {body.get('message')}")
        with self._lock:
            self._pods = {pod["metadata"]["uid"]: pod for pod in body.get("items") or []}
        self._wake.set()
        return body["metadata"]["resourceVersion"]

    def _watch(self, version: str) -> str | None:
        """Apply watch events until the server ends the watch; None asks for a relist (410)."""
        connection = self._watch_connection = self.api.watch(
            f"/api/v1/pods?watch=true&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion={version}")
        try:
            if connection.response.status != 200:
                raise RuntimeError(f"watch pods: {connection.response.status}")
            while not self._stopping.is_set():
                line = connection.response.readline()
                if not line:
                    return version
                event = json.loads(line)
                pod = event["object"]
                if event["type"] == "ERROR":
                    return None  # 410 Gone: the version is too old
                version = pod["metadata"]["resourceVersion"]
                if event["type"] == "BOOKMARK":
                    continue
                with self._lock:
                    if event["type"] == "DELETED":
                        self._pods.pop(pod["metadata"]["uid"], None)
                    else:
                        self._pods[pod["metadata"]["uid"]] = pod
                self._wake.set()
            return version
        finally:
            connection.close()

    # -- pods: schedule, run, delete ---------------------------------------------------------

    def _sync_loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(SYNC_INTERVAL)
            self._wake.clear()
            if self._heartbeating.is_set():  # a lost node does nothing
                self._logged(self._sync)

    def _logged(self, work) -> None:
        try:
            work()
        except Exception:  # a stand-in must outlive one bad answer; the next pass retries
            if not self._stopping.is_set():
                logger.exception("%s: %s failed", self.name, work.__name__)

    def _sync(self) -> None:
        now = time.time()
        with self._lock:
            pods = list(self._pods.values())
            for uid in set(self._tracked) - set(self._pods):
                del self._tracked[uid]
            for uid in set(self._binding) - set(self._pods):
                del self._binding[uid]
        for pod in pods:
            uid = pod["metadata"]["uid"]
            node_name = (pod.get("spec") or {}).get("nodeName")
            if not node_name:
                if uid not in self._binding:
                    self._schedule(pod, pods)
            elif node_name == self.name:
                self._binding.pop(uid, None)
                self._run(pod, now)

    def _unfit(self, pod: dict, pods: list[dict]) -> list[str]:
        """Why the pod cannot go on this node, in the scheduler's words (first failing filter)."""
        used: dict = {}
        busy = [p for p in pods if (p.get("spec") or {}).get("nodeName") == self.name
                and (p.get("status") or {}).get("phase") not in TERMINAL]
        for requests in [pod_requests(p) for p in busy] + list(self._binding.values()):
            for name, value in requests.items():
                used[name] = used.get(name, 0) + value
        node = dict(self._node)
        node["status"] = dict(node.get("status") or {}, allocatable=(node.get("status") or {}).get("allocatable")
                              or self.resources)
        return unfit_reasons(pod, node, used)

    def _schedule(self, pod: dict, pods: list[dict]) -> None:
        meta, spec = pod["metadata"], pod.get("spec") or {}
        if meta.get("deletionTimestamp") or spec.get("schedulerName", "default-scheduler") != "default-scheduler":
            return
        self._refresh_node()
        reasons = self._unfit(pod, pods)
        path = f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}"
        if not reasons:
            self._binding[meta["uid"]] = pod_requests(pod)
            binding = {"apiVersion": "v1", "kind": "Binding",
                       "metadata": {"name": meta["name"], "namespace": meta["namespace"], "uid": meta["uid"]},
                       "target": {"apiVersion": "v1", "kind": "Node", "name": self.name}}
            status, body = self.api.call("POST", path + "/binding", binding)
            if status not in (200, 201):
                self._binding.pop(meta["uid"], None)
                logger.warning("%s: binding %s: %s %s", self.name, meta["name"], status, body.get("message"))
            return
        message = unschedulable_message(1, [reasons])
        current = [c for c in (pod.get("status") or {}).get("conditions") or [] if c.get("type") == "PodScheduled"]
        if current and current[0].get("message") == message:
            return
        unschedulable = pod_condition("PodScheduled", False, time.time(), "Unschedulable", message)
        self.api.patch(path + "/status", {"status": {"phase": "Pending", "conditions": [unschedulable]}})

    def _run(self, pod: dict, now: float) -> None:
        meta = pod["metadata"]
        uid, path = meta["uid"], f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}"
        tracked = self._tracked.get(uid)
        if tracked is None:
            n = next(self._addresses)
            tracked = self._tracked[uid] = Tracked(Timeline.of(pod, now), f"10.244.{n // 250 % 250}.{n % 250 + 2}")
        if meta.get("deletionTimestamp"):
            # The containers "exit" on SIGTERM after termination-seconds, at most the grace period.
            tracked.deleting_since = tracked.deleting_since or now
            if now >= termination_due(pod, tracked.deleting_since):
                options = {"apiVersion": "v1", "kind": "DeleteOptions", "gracePeriodSeconds": 0,
                           "preconditions": {"uid": uid}}
                status, body = self.api.call("DELETE", path, options)
                if status not in (200, 404, 409):
                    logger.warning("%s: deleting %s: %s %s", self.name, meta["name"], status, body.get("message"))
            return
        status = pod_status(pod, tracked.timeline, now, "127.0.0.1", tracked.pod_ip)
        encoded = json.dumps(status, sort_keys=True)
        if encoded != tracked.written:
            code, body = self.api.patch(path + "/status", {"status": status})
            if code == 200:
                tracked.written = encoded
            elif code != 404:
                logger.warning("%s: status of %s: %s %s", self.name, meta["name"], code, body.get("message"))

    # -- logs --------------------------------------------------------------------------------

    def _find(self, namespace: str, name: str) -> tuple[dict | None, Tracked | None]:
        with self._lock:
            for pod in self._pods.values():
                if pod["metadata"]["name"] == name and pod["metadata"].get("namespace") == namespace:
                    return pod, self._tracked.get(pod["metadata"]["uid"])
        return None, None

    def _log_server(self, cert_path: str, key_path: str, port: int = 0) -> ThreadingHTTPServer:
        kubelet = self

        class LogHandler(BaseHTTPRequestHandler):
            def setup(self):
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms Nagle stalls

            def log_message(self, format, *args):  # quiet: the apiserver's log shows the requests
                logger.debug("%s: " + format, kubelet.name, *args)

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                match = LOG_PATH.match(url.path)
                if not match:
                    return self._text(404, "404 page not found")
                kubelet._serve_logs(self, *match.groups(), urllib.parse.parse_qs(url.query))

            def _text(self, code: int, text: str):
                body = text.encode()
                self.send_response(code)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        server = ThreadingHTTPServer(("127.0.0.1", port), LogHandler)
        server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        # Handshake in the handler thread, not in the accepting one.
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        return server

    def _serve_logs(self, handler, namespace: str, name: str, container: str, query: dict) -> None:
        """The kubelet's containerLogs: the lines of the run asked for, then (follow) new ones until it ends."""
        def option(key, default=None):
            return query.get(key, [default])[0]

        pod, tracked = self._find(namespace, name)
        if pod is None or tracked is None:
            return handler._text(404, f'pod "{name}" in namespace "{namespace}" not found')
        if container not in [c["name"] for c in pod["spec"].get("containers") or []]:
            return handler._text(400, f'container "{container}" in pod "{name}" is not valid')
        t, now = tracked.timeline, time.time()
        try:
            run = log_run(pod, container, t, now, option("previous") in ("true", "1"))
        except LogUnavailable as error:
            return handler._text(400, str(error))
        tail = option("tailLines")
        since = option("sinceSeconds")
        first, count = log_window(t, run, now, None if tail is None else int(tail), None if since is None else int(since))
        timestamps = option("timestamps") in ("true", "1")
        limit = int(option("limitBytes")) if option("limitBytes") is not None else None

        # Close-delimited (HTTP/1.0) body: it suits both a whole log and a followed stream.
        handler.send_response(200)
        handler.send_header("Content-Type", "text/plain")
        handler.end_headers()
        chunk = log_lines(name, container, t, run, first, count, timestamps)
        handler.wfile.write(chunk[:limit] if limit is not None else chunk)
        if option("follow") not in ("true", "1"):
            return
        sent = count
        with contextlib.suppress(OSError):
            while not self._stopping.is_set() and (run.end is None or time.time() < run.end) \
                    and self._find(namespace, name)[0]:
                time.sleep(0.2)
                count = t.log_count(run, time.time())
                if count > sent:
                    handler.wfile.write(log_lines(name, container, t, run, sent, count, timestamps))
                    handler.wfile.flush()
                    sent = count


@contextlib.contextmanager
def running_standin_kubelet(plane, **options):
    """A StandinKubelet for a `control_plane.ControlPlane`, schedulable when yielded."""
    kubelet = StandinKubelet(plane.url, plane.token, plane.ca_path, plane.cert_path, plane.key_path, **options)
    with kubelet:
        yield kubelet
