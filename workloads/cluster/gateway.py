"""ClusterGateway: every call devcenter makes to a Kubernetes API goes through here.

- Reads are one paged LIST per kind of the registry (`kinds.py`) with a label selector, across
  all namespaces (the refresh: `reconcile` keeps each project to its namespace) or in one
  namespace (a workload's logs and objects), parsed as raw JSON (`_preload_content=False` +
  `json.loads`): the client's typed deserialisation of 10k pods costs seconds. Custom resources
  are listed the same way through `CustomObjectsApi`; one the cluster does not serve (its CRD
  is not installed) is skipped. Listed objects are untrusted: one that cannot be read is left
  out and reported (`skipped`), never an exception.
- Any failure to reach or read the cluster raises `ClusterUnreachable` with a plain message,
  building the connection included (a kubeconfig missing, not YAML, naming no context; a TLS
  error): statuses are then left as they were.
- Creates read the server's version once per gateway (`/version`) when a manifest uses a field
  older servers drop silently (`features.py`), and refuse such a manifest there.
- Deletes name the object, send `propagationPolicy=Background` (a Job's server default,
  Orphan, leaves its pods running) and `preconditions.uid` (a re-created object with the same
  name is never deleted), and refuse an empty name (the client would DELETE the collection).
"""

import contextlib
import enum
import functools
import gc
import json
import logging
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import urllib3
from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException
from pydantic import ValidationError

from workloads.status import ComponentState

from . import features
from .components import ObservedComponent, Skipped, observe, parse_time
from .connection import ClusterConnection, api_client
from .errors import ClusterUnreachable, CreateFailed, LogsUnavailable, WatchExpired
from .events import EventRecord, event_record
from .kinds import KINDS, POD, Kind, by_name
from .list_decoding import PageShapeError, decode_page
from .resources import Resources

logger = logging.getLogger(__name__)


# Answers that mean "try again later" rather than "the API refused": raised as unreachable.
TRANSIENT_STATUSES = frozenset({0, 429, 502, 503, 504})
# Seconds past a watch's timeoutSeconds after which a silent connection counts as dead.
WATCH_SILENCE_GRACE = 30
WARNING_EVENTS = "type=Warning"  # the field selector of every Event LIST and watch: only these explain
# What a failed create may raise, after which the objects already created are deleted again.
CREATE_ERRORS = (ApiException, ValidationError, ClusterUnreachable, CreateFailed)


class DeleteResult(enum.StrEnum):
    DELETED = "deleted"
    ALREADY_GONE = "already-gone"
    FAILED = "failed"


@dataclass(frozen=True)
class DeleteOutcome:
    result: DeleteResult
    message: str = ""
    status_code: int | None = None

    @property
    def ok(self) -> bool:
        return self.result is not DeleteResult.FAILED

    @property
    def state(self) -> ComponentState:
        """The component's state after this outcome (SPEC: a failed delete -> Delete Failed)."""
        return ComponentState.DELETED if self.ok else ComponentState.DELETE_FAILED


@dataclass(frozen=True)
class ScaleOutcome:
    """One controller scaled: the replicas it had, the replicas asked, its state after the patch."""

    previous_replicas: int
    replicas: int
    state: ComponentState
    reason: str


class ScaleFailed(Exception):
    """The API refused a scale (gone, re-created with another uid, forbidden...): `message` says why."""

    def __init__(self, message: str, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.status_code = status_code


@dataclass(frozen=True)
class CreatedObject:
    kind: str
    name: str
    namespace: str
    uid: str
    api_version: str = ""


@dataclass(frozen=True)
class WatchEvent:
    type: str  # ADDED, MODIFIED, DELETED, BOOKMARK
    object: dict | None  # slimmed; None for a BOOKMARK
    resource_version: str


@dataclass(frozen=True)
class PodInfo:
    namespace: str
    name: str
    phase: str
    containers: tuple[str, ...]
    started_at: datetime | None
    init_containers: tuple[str, ...] = ()
    labels: dict | None = None


def status_message(exc: ApiException) -> str:
    """The `message` of the Status the API answered with, or the HTTP reason."""
    body = exc.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if body:
        try:
            message = json.loads(body).get("message")
        except (ValueError, AttributeError):
            message = body.strip()[:500]
        if message:
            return str(message)
    return f"{exc.status} {exc.reason}".strip()


@contextlib.contextmanager
def gc_paused():
    """Pause the cyclic GC while parsing a big LIST: the millions of fresh dicts and strings
    otherwise trigger full collections over the whole parse (measured: 10k pods, slimming
    0.48 s -> 0.06 s). The objects hold no cycles; reference counting frees them."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read_json(response) -> dict:
    """The whole body as JSON; the connection goes back to the pool only once fully read."""
    try:
        return json.loads(response.data or b"{}")
    finally:
        response.release_conn()


def _read_list_page(response, kind: Kind) -> dict:
    """A LIST page holding only what `_slim` keeps (`list_decoding`); a page of another shape
    is read whole, so that `_list_all` can say which items it cannot hold."""
    try:
        body = response.data
    finally:
        response.release_conn()
    try:
        return decode_page(body, kind.keep_spec)
    except PageShapeError:
        return json.loads(body or b"{}")


def _tls_message(text: str) -> str:
    """OpenSSL's wording made plain: "TLS error: certificate verify failed: self-signed certificate"."""
    text = " ".join(str(text).split())
    if "[SSL" in text:
        text = re.sub(r"^\[SSL(: [A-Z_]+)?\]\s*", "", text[text.index("[SSL") :])
    text = re.split(r"\s*\(_ssl\.c:\d+\)", text)[0].strip(" '\")(")
    return f"TLS error: {text or 'handshake failed'}"


def plain_error(exc: Exception) -> str:
    """What went wrong reaching a cluster, in words (urllib3 wraps the cause in MaxRetryError;
    the kubernetes client turns an SSLError into an ApiException of status 0)."""
    if isinstance(exc, ApiException):
        reason = str(exc.reason or "")
        kind, _, detail = reason.partition("\n")
        return _tls_message(detail) if kind == "SSLError" else " ".join(reason.split()) or "no answer"
    cause = exc
    while isinstance(cause, urllib3.exceptions.MaxRetryError) and cause.reason is not None:
        cause = cause.reason
    if isinstance(cause, urllib3.exceptions.SSLError | ssl.SSLError):
        return _tls_message(str(cause))
    if isinstance(cause, urllib3.exceptions.NewConnectionError):
        return f"cannot connect: {str(cause).split(': ')[-1]}"
    if isinstance(cause, urllib3.exceptions.TimeoutError):
        return f"timed out: {cause}"
    if isinstance(cause, urllib3.exceptions.ProtocolError):
        return "connection lost while reading the answer"
    if isinstance(cause, urllib3.exceptions.LocationValueError):
        return f"bad API URL: {cause}"
    return f"{type(cause).__name__}: {' '.join(str(cause).split())}"


class ClusterGateway:
    """The operations devcenter needs on one cluster (see the module docstring)."""

    listed_kinds = KINDS

    def __init__(self, connection: ClusterConnection):
        self.connection = connection
        self.api_client = api_client(connection)  # ClusterUnreachable when it cannot be built
        self.core = k8s.CoreV1Api(self.api_client)
        self.batch = k8s.BatchV1Api(self.api_client)
        self.apps = k8s.AppsV1Api(self.api_client)
        self.custom = k8s.CustomObjectsApi(self.api_client)
        self._apis = {}
        self._server_version = None
        self._open_watches = set()  # responses of watches being read (`stop_watches`)

    @classmethod
    def for_cluster(cls, cluster) -> "ClusterGateway":
        """A gateway for a registered cluster (anything with its fields, e.g. the Cluster row);
        ClusterUnreachable with the reason when its connection settings cannot be used."""
        try:
            connection = ClusterConnection.from_record(cluster)
        except (ValueError, TypeError) as exc:
            raise ClusterUnreachable(str(getattr(cluster, "name", "?")), str(exc)) from exc
        return cls(connection)

    def close(self) -> None:
        self.api_client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def timeout(self) -> tuple[float, float]:
        return tuple(self.connection.request_timeout)

    def _api(self, api):
        """The typed client `api` names (or is: a subclass, as a test may give)."""
        if api not in self._apis:
            api_class = getattr(k8s, api) if isinstance(api, str) else api
            self._apis[api] = api_class(self.api_client)
        return self._apis[api]

    def _unreachable(self, exc: Exception) -> ClusterUnreachable:
        if isinstance(exc, ApiException) and exc.status:
            return ClusterUnreachable(self.connection.name, status_message(exc), exc.status)
        return ClusterUnreachable(self.connection.name, plain_error(exc))

    @contextlib.contextmanager
    def _reading(self):
        """Any failure inside -> ClusterUnreachable."""
        try:
            yield
        except ClusterUnreachable:
            raise
        except (ApiException, urllib3.exceptions.HTTPError, OSError, json.JSONDecodeError) as exc:
            raise self._unreachable(exc) from exc

    @contextlib.contextmanager
    def _connecting(self):
        """Connection failures and transient answers -> ClusterUnreachable; other API errors pass."""
        try:
            yield
        except ApiException as exc:
            if exc.status in TRANSIENT_STATUSES or exc.status is None:
                raise self._unreachable(exc) from exc
            raise
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise self._unreachable(exc) from exc

    def _list_page(
        self, kind: Kind, label_selector: str, limit: int, token: str | None, namespace=None
    ) -> dict:
        """One LIST page of `kind` across all namespaces (or in `namespace`), as raw JSON."""
        options = {
            "label_selector": label_selector,
            "limit": limit,
            "_preload_content": False,
            "_request_timeout": self.timeout,
        }
        if token:
            options["_continue"] = token
        if kind.custom and namespace:
            response = self.custom.list_namespaced_custom_object(
                kind.group, kind.version, namespace, kind.plural, **options
            )
        elif kind.custom:
            response = self.custom.list_cluster_custom_object(
                kind.group, kind.version, kind.plural, **options
            )
        elif namespace:
            response = self._typed(kind, "list")(namespace, **options)
        else:
            response = getattr(self._api(kind.api), f"list_{kind.method_suffix}_for_all_namespaces")(
                **options
            )
        return _read_list_page(response, kind)

    def _list_all(
        self, kind: Kind, label_selector: str, page_size: int, namespace=None, skipped=None, listed=None
    ) -> list[dict]:
        """Every object of one kind matching `label_selector`, slimmed, one LIST page at a time.

        An expired `continue` token (410, after ~5 minutes or a compaction) restarts the list
        once from the beginning: pages from two snapshots are never mixed. A custom resource
        answered with 404 is not installed on this cluster: there is nothing of it to list.
        `listed`, a dict when given, receives the list's `resourceVersion` (absent: not served).
        """
        skipped = [] if skipped is None else skipped
        for attempt in range(2):
            objects: list[dict] = []
            token = None
            try:
                while True:
                    page = self._list_page(kind, label_selector, page_size, token, namespace)
                    if not isinstance(page, dict):
                        raise ClusterUnreachable(self.connection.name, f"listing {kind.name}: not a List")
                    items = page.get("items") or []
                    for item in items if isinstance(items, list) else []:
                        if not isinstance(item, dict):
                            skipped.append(Skipped(kind.name, namespace or "", "", "not a Kubernetes object"))
                            continue
                        item["kind"] = kind.name  # items of a typed List carry neither
                        item["apiVersion"] = kind.api_version
                        objects.append(_slim(item, kind))
                    metadata = page.get("metadata")
                    token = metadata.get("continue") if isinstance(metadata, dict) else None
                    if not token:
                        if listed is not None and isinstance(metadata, dict):
                            listed["resourceVersion"] = str(metadata.get("resourceVersion") or "")
                        return objects
            except ApiException as exc:
                if exc.status == 404 and kind.custom:
                    logger.debug("%s is not served by cluster %s; skipped", kind.name, self.connection.name)
                    return []
                if exc.status != 410 or not token or attempt:
                    raise
                logger.info("continue token expired listing %s; listing again", kind.name)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- reads ------------------------------------------------------------------------------

    def list_objects(
        self, label_selector: str, page_size: int = 500, *, namespace: str | None = None, skipped=None
    ) -> list[dict]:
        """The (slimmed) objects of every listed kind matching `label_selector`, across all
        namespaces or in `namespace`; items that are no object are appended to `skipped`."""
        if page_size < 1:
            raise ValueError("page_size must be >= 1")
        if namespace is not None and not namespace:
            raise ValueError("a namespaced LIST needs a namespace")
        objects = []
        with self._reading(), gc_paused():
            for kind in self.listed_kinds:
                objects.extend(self._list_all(kind, label_selector, page_size, namespace, skipped))
        return objects

    def list_kind(
        self, kind: Kind, label_selector: str, page_size: int = 500, *, skipped=None
    ) -> tuple[list[dict], str | None]:
        """Every (slimmed) object of `kind` matching `label_selector` across all namespaces, and
        the list's resourceVersion to watch from (None: the cluster does not serve the kind)."""
        listed = {}
        with self._reading(), gc_paused():
            objects = self._list_all(kind, label_selector, page_size, skipped=skipped, listed=listed)
        return objects, listed.get("resourceVersion")

    def watch_kind(
        self, kind: Kind, label_selector: str, resource_version: str, timeout_seconds: int = 300
    ) -> Iterator[WatchEvent]:
        """The changes to objects of `kind` matching `label_selector` after `resource_version`,
        as they happen, until the server ends the watch (after about `timeout_seconds`).

        ADDED/MODIFIED/DELETED carry the slimmed object; BOOKMARK only a resourceVersion.
        WatchExpired when the server no longer holds that version (410 Gone, as an answer or
        an ERROR event: list again); ClusterUnreachable when the connection fails or drops.
        As a generator, the request is made on the first `next()`; close it to stop early.
        """
        options = self._watch_options(resource_version, timeout_seconds, label_selector=label_selector)

        def open_watch():
            if kind.custom:
                return self.custom.list_cluster_custom_object(kind.group, kind.version, kind.plural, **options)
            return getattr(self._api(kind.api), f"list_{kind.method_suffix}_for_all_namespaces")(**options)

        return self._stream_watch(open_watch, lambda line: self._watch_event(kind, line))

    def _watch_options(self, resource_version: str, timeout_seconds: int, **selector) -> dict:
        """The client's arguments for a raw watch from `resource_version` with `selector`."""
        return {
            **selector,
            "resource_version": resource_version,
            "allow_watch_bookmarks": True,
            "timeout_seconds": timeout_seconds,
            "watch": True,
            "_preload_content": False,
            # The server ends the watch itself; a silent connection is dead after this.
            "_request_timeout": (self.timeout[0], timeout_seconds + WATCH_SILENCE_GRACE),
        }

    def _stream_watch(self, open_watch, read_event) -> Iterator[WatchEvent]:
        """Open a watch (`open_watch()`, a raw response) and yield `read_event(line)` for each
        line the server sends, until it ends the watch. 410 -> WatchExpired; failures ->
        ClusterUnreachable."""
        try:
            with self._connecting():
                response = open_watch()
        except ApiException as exc:
            if exc.status == 410:
                raise WatchExpired(self.connection.name, status_message(exc), 410) from exc
            raise self._unreachable(exc) from exc
        self._open_watches.add(response)
        try:
            buffer = b""
            while True:
                try:
                    chunk = response.read1(65536)
                except (urllib3.exceptions.HTTPError, OSError) as exc:
                    raise self._unreachable(exc) from exc
                if not chunk:
                    return
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if line.strip():
                        yield read_event(line)
        finally:
            self._open_watches.discard(response)
            response.close()
            response.release_conn()

    def _watch_event(self, kind: Kind, line: bytes) -> WatchEvent:
        kind_of_event, obj, version = self._watch_line(kind.name, line)
        if obj is None:
            return WatchEvent(kind_of_event, None, version)
        obj["kind"], obj["apiVersion"] = kind.name, kind.api_version
        return WatchEvent(kind_of_event, _slim(obj, kind), version)

    def _watch_line(self, what: str, line: bytes) -> tuple[str, dict | None, str]:
        """(type, object, resourceVersion) of one watch line; the object is None for a BOOKMARK.
        An ERROR event raises (410: WatchExpired), as does a line that is no watch event."""
        try:
            event = json.loads(line)
        except ValueError as exc:
            raise ClusterUnreachable(self.connection.name, f"watching {what}: not JSON") from exc
        kind_of_event = event.get("type") if isinstance(event, dict) else None
        obj = _mapping(event.get("object")) if isinstance(event, dict) else {}
        version = str(_mapping(obj.get("metadata")).get("resourceVersion") or "")
        if kind_of_event == "ERROR":
            message = str(obj.get("message") or "watch error")
            if obj.get("code") == 410:
                raise WatchExpired(self.connection.name, message, 410)
            raise ClusterUnreachable(self.connection.name, message, obj.get("code"))
        if kind_of_event == "BOOKMARK":
            return "BOOKMARK", None, version
        if kind_of_event not in ("ADDED", "MODIFIED", "DELETED"):
            raise ClusterUnreachable(self.connection.name, f"watching {what}: unknown event")
        return kind_of_event, obj, version

    def stop_watches(self) -> None:
        """Cut the watches open on this gateway (from another thread: a blocked read ends)."""
        for response in list(self._open_watches):
            with contextlib.suppress(Exception):
                response.shutdown()

    def list_warning_events(self, namespaces, page_size: int = 500) -> list[EventRecord]:
        """The Warning Events of each namespace: one paged LIST per namespace (`type=Warning`;
        Normal ones are not needed), read as raw JSON, only the fields kept (`events.py`)."""
        if page_size < 1:
            raise ValueError("page_size must be >= 1")
        records = []
        with self._reading(), gc_paused():
            core = self._api("CoreV1Api")
            for namespace in sorted(set(namespaces)):
                records.extend(self._warning_event_pages(
                    functools.partial(core.list_namespaced_event, namespace), page_size
                ))
        return records

    def list_all_warning_events(self, page_size: int = 500) -> tuple[list[EventRecord], str | None]:
        """The Warning Events of every namespace (the watcher's LIST: one paged LIST per cluster,
        the caller keeps its namespaces' ones) and the resourceVersion to watch them from."""
        if page_size < 1:
            raise ValueError("page_size must be >= 1")
        listed = {}
        with self._reading(), gc_paused():
            core = self._api("CoreV1Api")
            records = self._warning_event_pages(core.list_event_for_all_namespaces, page_size, listed)
        return records, listed.get("resourceVersion") or None

    def _warning_event_pages(self, list_page, page_size: int, listed=None) -> list[EventRecord]:
        """Every page of a `type=Warning` Event LIST; `listed` (a dict) receives its resourceVersion."""
        records, token = [], None
        while True:
            options = {"field_selector": WARNING_EVENTS, "limit": page_size, "_preload_content": False,
                       "_request_timeout": self.timeout}
            if token:
                options["_continue"] = token
            try:
                page = _read_json(list_page(**options))
            except ApiException as exc:
                if exc.status == 410 and token and listed is None:  # an expired continue token: the rest is lost
                    break
                raise
            page = _mapping(page)
            for item in _dicts(page.get("items")):
                if (record := event_record(item)) is not None:
                    records.append(record)
            metadata = _mapping(page.get("metadata"))
            token = metadata.get("continue")
            if not token:
                if listed is not None:
                    listed["resourceVersion"] = str(metadata.get("resourceVersion") or "")
                return records
        return records

    def watch_warning_events(self, resource_version: str, timeout_seconds: int = 300) -> Iterator[WatchEvent]:
        """The Warning Events of every namespace added, changed or gone after `resource_version`
        (as `watch_kind`); each event's object is an `EventRecord`, None when the Event cannot be
        read (no identity, nothing it is about) or for a BOOKMARK."""
        core = self._api("CoreV1Api")
        options = self._watch_options(resource_version, timeout_seconds, field_selector=WARNING_EVENTS)

        def read_event(line: bytes) -> WatchEvent:
            kind_of_event, obj, version = self._watch_line("Events", line)
            return WatchEvent(kind_of_event, event_record(obj) if obj is not None else None, version)

        return self._stream_watch(lambda: core.list_event_for_all_namespaces(**options), read_event)

    def list_components(
        self, label_selector: str, page_size: int = 500, *, namespace: str | None = None, skipped=None
    ) -> list[ObservedComponent]:
        """The top-level components matching `label_selector` (in `namespace` when given), with
        states and requests. Objects that cannot be read are left out, appended to `skipped`."""
        skipped = [] if skipped is None else skipped
        objects = self.list_objects(label_selector, page_size, namespace=namespace, skipped=skipped)
        with gc_paused():
            return observe(objects, skipped)

    def list_pods(
        self, label_selector: str, page_size: int = 500, *, namespace: str | None = None
    ) -> list[PodInfo]:
        """The pods matching `label_selector` (for the logs page: in `namespace`), oldest first."""
        if namespace is not None and not namespace:
            raise ValueError("a namespaced LIST needs a namespace")
        with self._reading():
            pods = self._list_all(POD, label_selector, page_size, namespace)
        infos = []
        for pod in pods:
            metadata, spec, status = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
            if not (metadata.get("name") and metadata.get("namespace")):
                continue  # no pod whose log could be asked for
            infos.append(
                PodInfo(
                    namespace=metadata["namespace"],
                    name=metadata["name"],
                    phase=status.get("phase") if isinstance(status.get("phase"), str) else "Pending",
                    containers=_container_names(spec.get("containers")),
                    started_at=parse_time(status.get("startTime")),
                    init_containers=_container_names(spec.get("initContainers")),
                    labels=dict(metadata.get("labels") or {}),
                )
            )
        infos.sort(key=lambda p: (p.started_at is None, p.started_at or datetime.min, p.namespace, p.name))
        return infos

    def ensure_namespace(self, name: str) -> bool:
        """Create namespace `name` unless it exists; True when it was created now."""
        if not name:
            raise ValueError("a namespace needs a name")
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        try:
            with self._connecting():
                # Read the body: an unread response poisons the pooled connection.
                _read_json(
                    self.core.create_namespace(body, _preload_content=False, _request_timeout=self.timeout)
                )
        except ApiException as exc:
            if exc.status == 409:
                return False
            raise CreateFailed(status_message(exc), exc.status, "Namespace", name) from exc
        return True

    def server_version(self) -> features.Version | None:
        """The server's (major, minor) from `/version`, read once per gateway; None if unreadable."""
        if self._server_version is None:
            try:
                with self._connecting():
                    response = k8s.VersionApi(self.api_client).get_code(
                        _preload_content=False, _request_timeout=self.timeout
                    )
                    info = _read_json(response)
            except ApiException as exc:  # refused to say (a hardened cluster): unknown, not unreachable
                logger.warning("cluster %s does not tell its version: %s", self.connection.name, status_message(exc))
                info = {}
            except json.JSONDecodeError:
                info = {}
            info = info if isinstance(info, dict) else {}
            parsed = features.parse_version(info.get("major"), info.get("minor"))
            self._server_version = (parsed, str(info.get("gitVersion") or ""))
        return self._server_version[0]

    def node_capacity(self) -> Resources:
        """Sum of `status.allocatable` of the nodes whose Ready condition is True."""
        total = Resources()
        with self._reading():
            token = None
            while True:
                kwargs = {"_continue": token} if token else {}
                page = _read_json(
                    self.core.list_node(
                        limit=500, _preload_content=False, _request_timeout=self.timeout, **kwargs
                    )
                )
                for node in _dicts(page.get("items")):
                    status = node.get("status") if isinstance(node.get("status"), dict) else {}
                    ready = any(
                        c.get("type") == "Ready" and c.get("status") == "True"
                        for c in _dicts(status.get("conditions"))
                    )
                    if ready:
                        total = total + Resources.from_quantities(status.get("allocatable"))
                metadata = page.get("metadata")
                token = metadata.get("continue") if isinstance(metadata, dict) else None
                if not token:
                    return total

    # -- logs -------------------------------------------------------------------------------

    def _log_request(
        self,
        namespace,
        pod,
        *,
        container,
        tail_lines,
        since_seconds,
        limit_bytes,
        timestamps,
        follow,
        timeout,
    ):
        if not namespace or not pod:
            raise ValueError("namespace and pod are required")
        kwargs = {
            "container": container or None,
            "tail_lines": tail_lines,
            "since_seconds": since_seconds,
            "limit_bytes": limit_bytes,
            "timestamps": timestamps or None,
            "follow": follow or None,
        }
        kwargs = {key: value for key, value in kwargs.items() if value is not None}
        try:
            with self._connecting():
                return self.core.read_namespaced_pod_log(
                    pod, namespace, _preload_content=False, _request_timeout=timeout, **kwargs
                )
        except ApiException as exc:
            raise LogsUnavailable(status_message(exc), exc.status) from exc

    def read_logs(
        self,
        namespace: str,
        pod: str,
        container: str | None = None,
        tail_lines: int | None = None,
        since_seconds: int | None = None,
        limit_bytes: int | None = None,
        timestamps: bool = False,
    ) -> str:
        """The pod's log (one container), decoded as UTF-8 (invalid bytes replaced)."""
        response = self._log_request(
            namespace,
            pod,
            container=container,
            tail_lines=tail_lines,
            since_seconds=since_seconds,
            limit_bytes=limit_bytes,
            timestamps=timestamps,
            follow=False,
            timeout=self.timeout,
        )
        try:
            with self._reading():
                return response.data.decode("utf-8", "replace")
        finally:
            response.release_conn()

    def stream_logs(
        self,
        namespace: str,
        pod: str,
        container: str | None = None,
        tail_lines: int | None = None,
        since_seconds: int | None = None,
        timestamps: bool = False,
        idle_timeout: float | None = 300,
    ) -> Iterator[str]:
        """Lines of the pod's log as they are written (`follow=True`), without newlines.

        Stops when the server ends the stream (the container exited) or when nothing arrived
        for `idle_timeout` seconds (None: a day). Close the generator to stop early. As with
        any generator, the request is made (and LogsUnavailable raised) on the first `next()`.
        """
        response = self._log_request(
            namespace,
            pod,
            container=container,
            tail_lines=tail_lines,
            since_seconds=since_seconds,
            limit_bytes=None,
            timestamps=timestamps,
            follow=True,
            timeout=(self.timeout[0], idle_timeout or 24 * 3600),
        )
        buffer = b""
        try:
            while True:
                try:
                    chunk = response.read1(65536)
                except urllib3.exceptions.ReadTimeoutError:
                    break
                except (urllib3.exceptions.HTTPError, OSError) as exc:
                    raise self._unreachable(exc) from exc
                if not chunk:
                    break
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    yield line.decode("utf-8", "replace")
            if buffer:
                yield buffer.decode("utf-8", "replace")
        finally:
            # Close first: a half-read stream must not go back to the pool.
            response.close()
            response.release_conn()

    def read_object(self, kind: str, namespace: str, name: str) -> dict | None:
        """One object of a registered kind, whole, as raw JSON; None when it does not exist.

        Only by name in `namespace` (never across namespaces); any other failure ->
        ClusterUnreachable with the API's message. The object is untrusted: show it through
        `redaction.shown_object`.
        """
        registered = by_name.get(kind)
        if registered is None:
            raise ValueError(f"cannot read objects of kind {kind!r}")
        if not name or not namespace:
            raise ValueError("reading an object needs its name and namespace")
        try:
            with self._connecting():
                return self._read_raw(registered, namespace, name)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise self._unreachable(exc) from exc
        except json.JSONDecodeError as exc:
            raise self._unreachable(exc) from exc

    # -- writes -----------------------------------------------------------------------------

    def _typed(self, kind: Kind, verb: str):
        """The typed client's `<verb>_namespaced_<suffix>` method of `kind`."""
        return getattr(self._api(kind.api), f"{verb}_namespaced_{kind.method_suffix}")

    def _read_raw(self, kind: Kind, namespace: str, name: str) -> dict:
        options = {"_preload_content": False, "_request_timeout": self.timeout}
        if kind.custom:
            response = self.custom.get_namespaced_custom_object(
                kind.group, kind.version, namespace, kind.plural, name, **options
            )
        else:
            response = self._typed(kind, "read")(name, namespace, **options)
        return _read_json(response)

    def _delete_raw(self, kind: Kind, namespace: str, name: str, options: k8s.V1DeleteOptions) -> dict:
        request = {"body": options, "_preload_content": False, "_request_timeout": self.timeout}
        if kind.custom:
            response = self.custom.delete_namespaced_custom_object(
                kind.group, kind.version, namespace, kind.plural, name, **request
            )
        else:
            response = self._typed(kind, "delete")(name, namespace, **request)
        return _read_json(response)  # read it all: an unread body would poison the pooled connection

    def _create_raw(self, kind: Kind, namespace: str, manifest: dict) -> dict:
        options = {"_preload_content": False, "_request_timeout": self.timeout}
        if kind.custom:
            response = self.custom.create_namespaced_custom_object(
                kind.group, kind.version, namespace, kind.plural, manifest, **options
            )
        else:
            response = self._typed(kind, "create")(namespace, manifest, **options)
        return _read_json(response)

    def delete_component(self, kind: str, namespace: str, name: str, uid: str) -> DeleteOutcome:
        """Delete one object (and, in the background, what it owns) if it is still `uid`.

        404 and "re-created with another uid" -> ALREADY_GONE; other API errors -> FAILED
        with the API's message; connection failures and transient answers -> ClusterUnreachable.
        """
        if not name or not name.strip():
            raise ValueError("refusing to delete an object with an empty name (would delete the collection)")
        if not namespace or not namespace.strip():
            raise ValueError("refusing to delete without a namespace")
        if not uid:
            raise ValueError("delete_component needs the object's uid (preconditions.uid)")
        registered = by_name.get(kind)
        if registered is None:
            raise ValueError(f"cannot delete objects of kind {kind!r}")
        options = k8s.V1DeleteOptions(
            propagation_policy="Background", preconditions=k8s.V1Preconditions(uid=uid)
        )
        try:
            with self._connecting():
                self._delete_raw(registered, namespace, name, options)
        except ApiException as exc:
            if exc.status == 404:
                return DeleteOutcome(DeleteResult.ALREADY_GONE, status_message(exc), 404)
            if exc.status == 409:
                return self._after_conflict(registered, namespace, name, uid, exc)
            return DeleteOutcome(DeleteResult.FAILED, status_message(exc), exc.status)
        return DeleteOutcome(DeleteResult.DELETED, f"{kind} {namespace}/{name} deleted", 200)

    def _after_conflict(self, kind: Kind, namespace, name, uid, conflict: ApiException) -> DeleteOutcome:
        """409 on a uid precondition: the name may now belong to a re-created object."""
        try:
            with self._connecting():
                current = self._read_raw(kind, namespace, name)
        except ApiException as exc:
            if exc.status == 404:
                return DeleteOutcome(DeleteResult.ALREADY_GONE, status_message(exc), 404)
            return DeleteOutcome(DeleteResult.FAILED, status_message(exc), exc.status)
        current_uid = (current.get("metadata") or {}).get("uid")
        if current_uid != uid:
            return DeleteOutcome(
                DeleteResult.ALREADY_GONE,
                f"{kind.name} {namespace}/{name} was re-created (uid {current_uid}); the original is gone",
                409,
            )
        return DeleteOutcome(DeleteResult.FAILED, status_message(conflict), 409)

    def scale_component(self, kind: str, namespace: str, name: str, uid: str, replicas: int) -> ScaleOutcome:
        """Set a controller's `spec.replicas` (stop: 0; resume: what it had) if it is still `uid`.

        One read (the replicas it had), then a merge patch carrying `metadata.uid`: the server
        refuses it with 409 when the name now belongs to a re-created object, so a stop never
        scales someone else's object. Its controller then removes (or makes) the pods.
        Refusals -> ScaleFailed; connection failures and transient answers -> ClusterUnreachable.
        """
        if not name or not name.strip() or not namespace or not namespace.strip():
            raise ValueError("refusing to scale without a name and a namespace")
        if not uid:
            raise ValueError("scale_component needs the object's uid (a precondition)")
        registered = by_name.get(kind)
        if registered is None or not registered.scalable:
            raise ValueError(f"cannot scale objects of kind {kind!r}")
        if not isinstance(replicas, int) or replicas < 0:
            raise ValueError(f"replicas must be a whole number >= 0, not {replicas!r}")
        options = {"_preload_content": False, "_request_timeout": self.timeout}
        patch = {"metadata": {"uid": uid}, "spec": {"replicas": replicas}}
        try:
            with self._connecting():
                current = self._read_raw(registered, namespace, name)
                if (current.get("metadata") or {}).get("uid") != uid:
                    raise ScaleFailed(f"{kind} {namespace}/{name} was re-created: not scaled", 409)
                previous = _replicas(current)
                response = self._typed(registered, "patch")(
                    name, namespace, patch, _content_type="application/merge-patch+json", **options
                )
                body = _read_json(response)
        except ApiException as exc:
            raise ScaleFailed(status_message(exc), exc.status) from exc
        state, reason = registered.state(body, ())
        return ScaleOutcome(previous, replicas, ComponentState(state), reason)

    def _refuse_unsupported(self, manifests: list[dict]) -> None:
        """CreateFailed, before anything is created, when the server would drop a field a
        manifest relies on (`features.py`); the version is read only when one is used."""
        if not any(feature.used_by(m) for m in manifests for feature in features.FEATURES):
            return
        version = self.server_version()
        for manifest in manifests:
            for feature in features.unsupported(manifest, version):
                metadata = manifest.get("metadata") or {}
                shown = self._server_version[1] or "{}.{}".format(*version)
                since = "{}.{}".format(*feature.since)
                raise CreateFailed(
                    f"cluster {self.connection.name} runs Kubernetes {shown}, which ignores "
                    f"{manifest['kind']} {feature.field} (Kubernetes {since} or newer): {feature.without}; "
                    f"{feature.instead}",
                    None,
                    manifest["kind"],
                    metadata.get("name", ""),
                )

    def create_objects(self, manifests: list[dict]) -> list[CreatedObject]:
        """Create each manifest in its namespace (which must exist), in order.

        On a refusal, delete what this call created and raise CreateFailed with the API's
        message and what was undone (`undone`, and `left` where the undo failed): no
        half-created workloads. Connection failures -> ClusterUnreachable (after the same
        best-effort clean-up). A manifest this server would silently run without a field it
        needs is refused before anything is created.
        """
        self._refuse_unsupported(manifests)
        created: list[CreatedObject] = []
        for manifest in manifests:
            kind = manifest.get("kind", "")
            metadata = manifest.get("metadata") or {}
            name, namespace = metadata.get("name", ""), metadata.get("namespace", "")
            try:
                if not name or not namespace:
                    raise CreateFailed(
                        f"{kind or 'object'} needs metadata.name and metadata.namespace", kind=kind
                    )
                created.append(self._create_one(manifest, kind, namespace, name))
            except CREATE_ERRORS as exc:
                undone, left = self.undo(created)
                if isinstance(exc, ApiException):
                    message = status_message(exc)
                    if exc.status == 404 and "namespace" in message.lower():
                        cluster = self.connection.name
                        message = f"namespace {namespace!r} does not exist on cluster {cluster!r}: {message}"
                    raise CreateFailed(message, exc.status, kind, name, undone, left) from exc
                if isinstance(exc, ValidationError):
                    raise CreateFailed(
                        f"invalid {kind} {name}: {exc}", None, kind, name, undone, left
                    ) from exc
                exc.undone, exc.left = tuple(undone), tuple(left)  # CreateFailed, ClusterUnreachable
                raise
        return created

    def _create_one(self, manifest: dict, kind: str, namespace: str, name: str) -> CreatedObject:
        registered = by_name.get(kind)
        if registered is None:
            raise CreateFailed(f"cannot create objects of kind {kind!r}", kind=kind, name=name)
        with self._connecting():
            body = self._create_raw(registered, namespace, manifest)
        meta = body.get("metadata") or {}
        return CreatedObject(
            kind=kind,
            name=meta.get("name", name),
            namespace=meta.get("namespace", namespace),
            uid=meta.get("uid", ""),
            api_version=body.get("apiVersion", manifest.get("apiVersion", "")),
        )

    def undo(
        self, created: list[CreatedObject]
    ) -> tuple[list[CreatedObject], list[tuple[CreatedObject, str]]]:
        """Delete `created` again, newest first: (what was deleted, [(what was not, why)])."""
        undone, left = [], []
        for obj in reversed(created):
            try:
                outcome = self.delete_component(obj.kind, obj.namespace, obj.name, obj.uid)
            except Exception as exc:  # best effort: the original error is what the caller needs
                logger.exception("could not undo %s %s/%s", obj.kind, obj.namespace, obj.name)
                left.append((obj, getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"))
                continue
            if outcome.ok:
                undone.append(obj)
            else:
                logger.warning(
                    "could not undo %s %s/%s: %s", obj.kind, obj.namespace, obj.name, outcome.message
                )
                left.append((obj, outcome.message))
        return undone, left


def _replicas(obj: dict) -> int:
    """A controller's `spec.replicas` (1 when unset, as the server defaults it)."""
    value = _mapping(obj.get("spec")).get("replicas")
    return value if isinstance(value, int) and value >= 0 else 1


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def _dicts(value) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _container_names(containers) -> tuple[str, ...]:
    return tuple(c["name"] for c in _dicts(containers) if isinstance(c.get("name"), str))


def _slim(obj: dict, kind: Kind) -> dict:
    """Keep only what states, owners and requests need (the full object can be large).

    Untrusted: a part of the wrong type is dropped here (`observe` says what it cannot hold).
    """
    metadata = _mapping(obj.get("metadata"))
    annotations = _mapping(metadata.get("annotations"))
    spec = _mapping(obj.get("spec"))
    slim_spec = {key: spec[key] for key in kind.keep_spec if key in spec}
    template = slim_spec.get("template")
    if template:
        template_spec = _mapping(_mapping(template).get("spec"))
        slim_spec["template"] = {
            "spec": {
                key: template_spec[key] for key in ("containers", "initContainers") if key in template_spec
            }
        }
    return {
        "kind": obj.get("kind"),
        "apiVersion": obj.get("apiVersion"),
        "metadata": {
            "name": metadata.get("name"),
            "namespace": metadata.get("namespace"),
            "uid": metadata.get("uid"),
            "labels": _mapping(metadata.get("labels")),
            "annotations": {
                k: v for k, v in annotations.items() if isinstance(k, str) and k.startswith("devcenter.io/")
            },
            "ownerReferences": _dicts(metadata.get("ownerReferences")),
            "creationTimestamp": metadata.get("creationTimestamp"),
            "deletionTimestamp": metadata.get("deletionTimestamp"),
        },
        "spec": slim_spec,
        "status": _mapping(obj.get("status")),
    }
