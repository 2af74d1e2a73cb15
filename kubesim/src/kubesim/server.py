"""HTTP front end: routing of the Kubernetes REST paths, verbs, list paging, watch streams
and Status errors. HTTP/1.1 with keep-alive; watch and log follow use chunked encoding.
"""

import base64
import binascii
import contextlib
import json
import select
import socket
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from kubesim import discovery, podsecurity
from kubesim.errors import REASONS, ApiError, bad_request, status_object
from kubesim.managed_fields import manager_from_user_agent
from kubesim.resources import BY_PATH, ResourceType
from kubesim.selectors import fields_match, labels_match, parse_field_selector, parse_label_selector
from kubesim.store import Expired, dumps

DEFAULT_WATCH_TIMEOUT = 1800.0
EXPIRED_CONTINUE = (
    "The provided continue parameter is too old to display a consistent list result. You can start a new list "
    "without the continue parameter, or use the continue token in this response to retrieve the remainder of "
    "the results. Continuing with the provided token results in an inconsistent list - objects that were created, "
    "modified, or deleted between the time the first chunk was returned and now may show up in the list."
)


class _DroppedConnection(Exception):
    """The fault injector closed the socket: send nothing."""


CONTINUE_TTL = 300.0  # simulated seconds, like the real server's ~5 min etcd compaction


def encode_continue(rv: int, key: tuple[str, str], now: float) -> str:
    raw = json.dumps({"v": "kubesim/1", "rv": rv, "start": list(key), "t": now}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_continue(token: str) -> tuple[int, tuple[str, str], float]:
    """-> (resourceVersion of the first page, last key served, when it was issued)"""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        return int(data["rv"]), (str(data["start"][0]), str(data["start"][1])), float(data["t"])
    except (binascii.Error, ValueError, KeyError, IndexError, TypeError) as error:
        raise bad_request(f"invalid continue token: continue key is not valid: {error}") from None


def delete_options(body, query: dict) -> dict:
    """DeleteOptions come in the body or as query parameters (the v37 client uses both)."""
    options = dict(body) if isinstance(body, dict) else {}
    if query.get("propagationPolicy"):
        options["propagationPolicy"] = query["propagationPolicy"]
    if query.get("gracePeriodSeconds", "").isdigit():
        options["gracePeriodSeconds"] = int(query["gracePeriodSeconds"])
    if query.get("orphanDependents") in ("true", "false"):
        options["orphanDependents"] = query["orphanDependents"] == "true"
    return options


class KubeSimHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, address, sim):
        self.sim = sim
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        self.stopping = False
        super().__init__(address, Handler)

    def process_request(self, request, client_address):
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Cut every open keep-alive connection, so an outage is an outage for pooled clients."""
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kubesim"
    sys_version = ""
    server: KubeSimHTTPServer

    def setup(self):
        super().setup()
        # Headers and body would otherwise wait on Nagle's algorithm for the client's delayed
        # ACK: about 40 ms per small response instead of under 1 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass

    def _finish_with_body(self, body: bytes) -> None:
        """End the headers and write them with the body in one send."""
        self._headers_buffer.append(b"\r\n" + body)
        self.flush_headers()

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_DELETE(self):
        self._handle("DELETE")

    # --- plumbing -----------------------------------------------------------------------

    @property
    def sim(self):
        return self.server.sim

    def _handle(self, method: str) -> None:
        parsed = urlsplit(self.path)
        path = parsed.path.rstrip("/") or "/"
        query = {key: values[-1] for key, values in parse_qs(parsed.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        self.sim.requests.append(method, path, query)
        try:
            self._apply_fault(method, path)
            self._check_auth()
            self._dispatch(method, path, query, raw_body)
        except _DroppedConnection:
            self.close_connection = True
        except ApiError as error:
            self._send_json(error.code, dumps(error.status()))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as error:  # noqa: BLE001 - every failure must still be a Status
            traceback.print_exc(file=sys.stderr)
            self._send_json(500, dumps(status_object(500, f"kubesim internal error: {error!r}", "InternalError")))

    def _apply_fault(self, method: str, path: str) -> None:
        fault = self.sim.faults.take(method, path)
        if fault is None:
            return
        if fault.delay:
            time.sleep(fault.delay)
        if fault.drop:
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            raise _DroppedConnection()
        if fault.status:
            raise ApiError(fault.status, fault.message, REASONS.get(fault.status, "Unknown"))

    def _check_auth(self) -> None:
        token = self.sim.token
        # The scheme is case-insensitive (RFC 7235), as kube-apiserver reads it: the kubernetes
        # client's in-cluster loader sends "bearer <token>".
        scheme, _, given = (self.headers.get("Authorization") or "").partition(" ")
        if token and (scheme.lower() != "bearer" or given != token):
            raise ApiError(401, "Unauthorized", "Unauthorized")

    def _send_json(self, code: int, body: bytes, warnings: Sequence[str] = ()) -> None:
        self.send_response(code)
        for warning in warnings:
            self.send_header("Warning", podsecurity.warning_header(warning))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, private")
        self._finish_with_body(body)

    def _start_chunked(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()

    def _chunk(self, data: bytes) -> None:
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def _end_chunked(self) -> None:
        try:
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.close_connection = True

    def client_gone(self) -> bool:
        """True when the peer closed its side (checked while a stream is idle)."""
        if self.server.stopping:
            return True
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if readable:
                return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True
        return False

    # --- routing ------------------------------------------------------------------------

    def _dispatch(self, method: str, path: str, query: dict, raw_body: bytes) -> None:
        parts = [part for part in path.split("/") if part]
        if parts == ["version"] or parts == ["healthz"] or parts == ["readyz"] or parts == ["livez"]:
            if parts[0] == "version":
                return self._send_json(200, dumps(discovery.version_info()))
            return self._send_raw(200, b"ok", "text/plain")
        if parts == ["api"]:
            host, port = self.server.server_address[:2]
            return self._send_json(200, dumps(discovery.api_versions(f"{host}:{port}")))
        if parts == ["apis"]:
            return self._send_json(200, dumps(discovery.api_group_list()))
        if len(parts) == 2 and parts[0] == "apis":
            return self._send_discovery(discovery.api_group(parts[1]))
        if parts[:1] == ["api"] and len(parts) >= 2:
            group, version, rest = "", parts[1], parts[2:]
        elif parts[:1] == ["apis"] and len(parts) >= 3:
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            raise ApiError(404, "the server could not find the requested resource", "NotFound", {})
        if not rest:
            return self._send_discovery(discovery.api_resource_list(group, version))
        namespace, plural, name, sub = self._split_resource_path(group, version, rest)
        rt = BY_PATH.get((group, version, plural))
        if rt is None:
            raise ApiError(404, "the server could not find the requested resource", "NotFound", {})
        if sub is not None and sub not in rt.subresources:
            raise ApiError(404, "the server could not find the requested resource", "NotFound", {})
        body = self._parse_body(raw_body) if method in ("POST", "PUT", "PATCH", "DELETE") else None
        if name is None:
            return self._collection(method, rt, namespace, query, body)
        return self._item(method, rt, namespace, name, sub, query, body)

    def _send_raw(self, code: int, body: bytes, content_type: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self._finish_with_body(body)

    def _send_discovery(self, document: dict | None) -> None:
        if document is None:
            raise ApiError(404, "the server could not find the requested resource", "NotFound", {})
        self._send_json(200, dumps(document))

    @staticmethod
    def _split_resource_path(group, version, rest):
        """-> (namespace or None, plural, name or None, subresource or None)"""
        if rest[0] == "namespaces" and len(rest) >= 3:
            if len(rest) == 3 and BY_PATH.get((group, version, rest[2])) is None:
                return None, "namespaces", rest[1], rest[2]  # e.g. /api/v1/namespaces/x/status
            namespace, rest = rest[1], rest[2:]
        else:
            namespace = None
        if len(rest) > 3:
            raise ApiError(404, "the server could not find the requested resource", "NotFound", {})
        return namespace, rest[0], (rest[1] if len(rest) > 1 else None), (rest[2] if len(rest) > 2 else None)

    @staticmethod
    def _parse_body(raw: bytes):
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError as error:
            raise bad_request(f"the body of the request is not valid JSON: {error}") from None

    def _ns(self, rt: ResourceType, namespace: str | None) -> str:
        if rt.namespaced and namespace is None:
            raise ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")
        return namespace if rt.namespaced else ""

    # --- collections --------------------------------------------------------------------

    def _collection(self, method, rt, namespace, query, body):
        if not rt.namespaced and namespace is not None:
            raise ApiError(404, "the server could not find the requested resource", "NotFound", {})
        labels = parse_label_selector(query.get("labelSelector"))
        fields = parse_field_selector(query.get("fieldSelector"))
        if method == "GET":
            if query.get("watch") in ("true", "1"):
                return self._watch(rt, namespace, labels, fields, query)
            return self._list(rt, namespace, labels, fields, query)
        if method == "POST":
            obj = self.sim.api.create(rt, self._ns(rt, namespace), body, manager=self._manager())
            self.sim.after_write()
            return self._send_json(201, dumps(obj), self._pod_security_warnings(rt, obj))
        if method == "DELETE":
            deleted = self.sim.api.delete_collection(rt, namespace, labels, fields, delete_options(body, query),
                                                     manager=self._manager())
            self.sim.after_write()
            items = b",".join(dumps(obj) for obj in deleted)
            return self._send_json(200, self._list_bytes(rt, self.sim.store.resource_version, None, None, items))
        raise ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")

    @staticmethod
    def _list_bytes(rt, rv, token, remaining, items: bytes) -> bytes:
        metadata = {"resourceVersion": str(rv)}
        if token:
            metadata["continue"] = token
            if remaining is not None:
                metadata["remainingItemCount"] = remaining
        head = dumps({"kind": f"{rt.kind}List", "apiVersion": rt.api_version, "metadata": metadata})
        return head[:-1] + b',"items":[' + items + b"]}"

    def _list(self, rt, namespace, labels, fields, query):
        limit = int(query.get("limit") or 0)
        after, token_rv, issued = None, None, 0.0
        if query.get("continue"):
            token_rv, after, issued = decode_continue(query["continue"])
            if token_rv < self.sim.store.continue_floor or self.sim.clock.now() - issued > CONTINUE_TTL:
                raise ApiError(410, EXPIRED_CONTINUE, "Expired")
        keyed, rv, remaining = self.sim.store.list_entries(rt.kind, namespace, labels, fields, after, limit or None)
        token = None
        if limit and len(keyed) > limit:
            keyed = keyed[:limit]
            token = encode_continue(token_rv or rv, keyed[-1][0], issued if token_rv else self.sim.clock.now())
        items = b",".join(entry.raw for _, entry in keyed)
        self._send_json(200, self._list_bytes(rt, token_rv or rv, token, remaining, items))

    def _watch(self, rt, namespace, labels, fields, query):
        timeout = float(query.get("timeoutSeconds") or DEFAULT_WATCH_TIMEOUT)
        bookmarks = query.get("allowWatchBookmarks") in ("true", "1")
        since = query.get("resourceVersion") or "0"
        store = self.sim.store

        def selected(entry):
            if entry is None:
                return False
            if namespace is not None and entry.namespace != namespace:
                return False
            return labels_match(labels, entry.labels) and (not fields or fields_match(fields, entry.obj))

        initial = []
        try:
            if since == "0":
                # "Start at most recent": synthetic ADDED events for what exists, then changes.
                with store.lock:
                    keyed, rv, _ = store.list_entries(rt.kind, namespace, labels, fields)
                    watcher = store.watch(rt.kind, rv)
                initial = [entry for _, entry in keyed]
            else:
                watcher = store.watch(rt.kind, int(since))
        except ValueError:
            raise bad_request(f"invalid resourceVersion {since!r}") from None
        except Expired:
            self._start_chunked("application/json")
            error = status_object(410, f"too old resource version: {since} ({store.history_floor})", "Expired")
            self._chunk(dumps({"type": "ERROR", "object": error}) + b"\n")
            return self._end_chunked()
        try:
            self._start_chunked("application/json")
            for entry in initial:
                self._chunk(b'{"type":"ADDED","object":' + entry.raw + b"}\n")
            deadline = time.monotonic() + timeout
            interval = self.sim.bookmark_interval
            next_bookmark = time.monotonic() + interval
            last_rv = store.resource_version if since == "0" else int(since)
            while (remaining := deadline - time.monotonic()) > 0:
                try:
                    event = watcher.queue.get(timeout=min(remaining, 0.2))
                except Exception:  # queue.Empty: idle, look after the connection
                    event = None
                if watcher.dropped:  # `sim.drop_watches()`: cut mid-stream, no last chunk
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                if event is None:
                    if self.client_gone():
                        self.close_connection = True
                        return
                else:
                    last_rv = event.rv
                    new_in, old_in = selected(event.entry), selected(event.old)
                    if event.type == "DELETED":
                        kind = "DELETED" if old_in else None
                    elif new_in:
                        kind = "MODIFIED" if old_in else "ADDED"
                    else:
                        kind = "DELETED" if old_in else None  # left the selection
                    if kind:
                        self._chunk(b'{"type":"' + kind.encode() + b'","object":' + event.entry.raw + b"}\n")
                if bookmarks and time.monotonic() >= next_bookmark:
                    next_bookmark = time.monotonic() + interval
                    mark = {"kind": rt.kind, "apiVersion": rt.api_version,
                            "metadata": {"resourceVersion": str(max(last_rv, 0))}}
                    self._chunk(dumps({"type": "BOOKMARK", "object": mark}) + b"\n")
            self._end_chunked()
        except OSError:
            self.close_connection = True
        finally:
            store.unwatch(watcher)

    # --- single objects -----------------------------------------------------------------

    def _item(self, method, rt, namespace, name, sub, query, body):
        ns = self._ns(rt, namespace) if rt.namespaced else ""
        if not rt.namespaced and namespace is not None:
            raise ApiError(404, "the server could not find the requested resource", "NotFound", {})
        api = self.sim.api
        if sub == "log":
            if method != "GET":
                raise ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")
            return self._log(api.get(rt, ns, name), query)
        if method == "GET":
            entry = self.sim.store.get_entry(rt.kind, ns, name)
            if entry is None:
                api.get(rt, ns, name)  # raises the NotFound
            return self._send_json(200, entry.raw)
        if method == "PUT":
            obj = api.replace(rt, ns, name, body, sub, manager=self._manager())
        elif method == "PATCH":
            content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            obj = api.patch(rt, ns, name, body, content_type, sub, manager=self._manager())
        elif method == "DELETE" and sub is None:
            code, obj, gone = api.delete(rt, ns, name, delete_options(body, query), manager=self._manager())
            self.sim.after_write()
            if gone and rt.kind != "Pod":
                # Deleted at once: the server answers with a Status, not the object.
                details = {"name": name, "kind": rt.plural, "uid": obj["metadata"]["uid"]}
                if rt.group:
                    details["group"] = rt.group
                status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}
                return self._send_json(code, dumps(status))
            return self._send_json(code, dumps(obj))
        else:
            raise ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")
        self.sim.after_write()
        self._send_json(200, dumps(obj), self._pod_security_warnings(rt, obj) if sub is None else ())

    def _pod_security_warnings(self, rt: ResourceType, obj: dict) -> list[str]:
        namespace = (obj.get("metadata") or {}).get("namespace")
        if not rt.namespaced or not namespace:
            return []
        return podsecurity.warnings(self.sim.store.get("Namespace", "", namespace), rt.kind, obj)

    def _manager(self) -> str:
        """Who writes, for managedFields: the User-Agent up to its first `/`, as the server."""
        return manager_from_user_agent(self.headers.get("User-Agent"))

    def _log(self, pod: dict, query: dict) -> None:
        logs = self.sim.logs
        options = logs.options(pod, query)
        if query.get("follow") not in ("true", "1"):
            text = logs.read(pod, options)
            if text is None:  # not on a node yet: nothing to stream
                self.send_response(204)
                self.send_header("Cache-Control", "no-cache, private")
                return self._finish_with_body(b"")
            return self._send_raw(200, text, "text/plain")
        chunks = logs.follow(pod, options, self.client_gone)
        if chunks is None:
            self.send_response(204)
            return self._finish_with_body(b"")
        self._start_chunked("text/plain")
        try:
            for chunk in chunks:
                self._chunk(chunk)
            self._end_chunked()
        except OSError:
            self.close_connection = True


class KubeSimServer:
    """Serves a Simulator on host:port in a background thread; can stop and start listening
    on the same port (outage tests)."""

    def __init__(self, sim, host: str = "127.0.0.1", port: int = 0):
        self.sim = sim
        self.host = host
        self.port = port
        self._httpd: KubeSimHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def listening(self) -> bool:
        return self._httpd is not None

    def start(self) -> "KubeSimServer":
        if self._httpd is not None:
            return self
        self._httpd = KubeSimHTTPServer((self.host, self.port), self.sim)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"kubesim-http-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.stopping = True
        httpd.shutdown()
        httpd.server_close()
        httpd.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def serve_forever(self) -> None:
        self.start()
        assert self._thread is not None
        while self._thread.is_alive():
            self._thread.join(timeout=0.5)
