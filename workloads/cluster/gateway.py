"""ClusterGateway: every call devcenter makes to a Kubernetes API goes through here.

- Reads are one paged LIST per kind of the registry (`kinds.py`) across all namespaces with a
  label selector, parsed as raw JSON (`_preload_content=False` + `json.loads`): the client's
  typed deserialisation of 10k pods costs seconds. Custom resources are listed the same way
  through `CustomObjectsApi`; one the cluster does not serve (its CRD is not installed) is skipped.
- Any failure to read raises `ClusterUnreachable`; statuses are then left as they were.
- Deletes name the object, send `propagationPolicy=Background` (a Job's server default,
  Orphan, leaves its pods running) and `preconditions.uid` (a re-created object with the same
  name is never deleted), and refuse an empty name (the client would DELETE the collection).
"""

import contextlib
import enum
import gc
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import urllib3
from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException
from pydantic import ValidationError

from workloads.status import ComponentState

from .components import ObservedComponent, observe, parse_time
from .connection import ClusterConnection, api_client
from .errors import ClusterUnreachable, CreateFailed, LogsUnavailable
from .kinds import KINDS, POD, Kind, by_name
from .resources import Resources

logger = logging.getLogger(__name__)


# Answers that mean "try again later" rather than "the API refused": raised as unreachable.
TRANSIENT_STATUSES = frozenset({0, 429, 502, 503, 504})
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
class CreatedObject:
    kind: str
    name: str
    namespace: str
    uid: str
    api_version: str = ""


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
def _gc_paused():
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


class ClusterGateway:
    """The operations devcenter needs on one cluster (see the module docstring)."""

    listed_kinds = KINDS

    def __init__(self, connection: ClusterConnection):
        self.connection = connection
        self.api_client = api_client(connection)
        self.core = k8s.CoreV1Api(self.api_client)
        self.batch = k8s.BatchV1Api(self.api_client)
        self.apps = k8s.AppsV1Api(self.api_client)
        self.custom = k8s.CustomObjectsApi(self.api_client)
        self._apis = {}

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

    def _api(self, api_class):
        if api_class not in self._apis:
            self._apis[api_class] = api_class(self.api_client)
        return self._apis[api_class]

    def _unreachable(self, exc: Exception) -> ClusterUnreachable:
        if isinstance(exc, ApiException):
            return ClusterUnreachable(self.connection.name, status_message(exc), exc.status)
        return ClusterUnreachable(self.connection.name, f"{type(exc).__name__}: {exc}")

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

    def _list_page(self, kind: Kind, label_selector: str, limit: int, token: str | None) -> dict:
        """One LIST page of `kind` across all namespaces, as raw JSON."""
        options = {
            "label_selector": label_selector,
            "limit": limit,
            "_preload_content": False,
            "_request_timeout": self.timeout,
        }
        if token:
            options["_continue"] = token
        if kind.custom:
            response = self.custom.list_cluster_custom_object(kind.group, kind.version, kind.plural, **options)
        else:
            response = getattr(self._api(kind.api), f"list_{kind.method_suffix}_for_all_namespaces")(**options)
        return _read_json(response)

    def _list_all(self, kind: Kind, label_selector: str, page_size: int) -> list[dict]:
        """Every object of one kind matching `label_selector`, slimmed, one LIST page at a time.

        An expired `continue` token (410, after ~5 minutes or a compaction) restarts the list
        once from the beginning: pages from two snapshots are never mixed. A custom resource
        answered with 404 is not installed on this cluster: there is nothing of it to list.
        """
        for attempt in range(2):
            objects: list[dict] = []
            token = None
            try:
                while True:
                    page = self._list_page(kind, label_selector, page_size, token)
                    for item in page.get("items") or []:
                        item["kind"] = kind.name  # items of a typed List carry neither
                        item["apiVersion"] = kind.api_version
                        objects.append(_slim(item, kind))
                    token = (page.get("metadata") or {}).get("continue")
                    if not token:
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

    def list_objects(self, label_selector: str, page_size: int = 500) -> list[dict]:
        """The (slimmed) objects of every listed kind matching `label_selector`."""
        if page_size < 1:
            raise ValueError("page_size must be >= 1")
        objects = []
        with self._reading(), _gc_paused():
            for kind in self.listed_kinds:
                objects.extend(self._list_all(kind, label_selector, page_size))
        return objects

    def list_components(self, label_selector: str, page_size: int = 500) -> list[ObservedComponent]:
        """The top-level components matching `label_selector`, with states and requests."""
        objects = self.list_objects(label_selector, page_size)
        with _gc_paused():
            return observe(objects)

    def list_pods(self, label_selector: str, page_size: int = 500) -> list[PodInfo]:
        """The pods matching `label_selector` (for the logs page), oldest first."""
        with self._reading():
            pods = self._list_all(POD, label_selector, page_size)
        infos = []
        for pod in pods:
            metadata, spec, status = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
            infos.append(
                PodInfo(
                    namespace=metadata.get("namespace", ""),
                    name=metadata.get("name", ""),
                    phase=status.get("phase") or "Pending",
                    containers=tuple(c.get("name", "") for c in spec.get("containers") or []),
                    started_at=parse_time(status.get("startTime")),
                    init_containers=tuple(c.get("name", "") for c in spec.get("initContainers") or []),
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
                _read_json(self.core.create_namespace(body, _preload_content=False, _request_timeout=self.timeout))
        except ApiException as exc:
            if exc.status == 409:
                return False
            raise CreateFailed(status_message(exc), exc.status, "Namespace", name) from exc
        return True

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
                for node in page.get("items") or []:
                    status = node.get("status") or {}
                    ready = any(
                        c.get("type") == "Ready" and c.get("status") == "True"
                        for c in status.get("conditions") or []
                    )
                    if ready:
                        total = total + Resources.from_quantities(status.get("allocatable"))
                token = (page.get("metadata") or {}).get("continue")
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

    def create_objects(self, manifests: list[dict]) -> list[CreatedObject]:
        """Create each manifest in its namespace (which must exist), in order.

        On a refusal, delete what this call created and raise CreateFailed with the API's
        message: no half-created workloads. Connection failures -> ClusterUnreachable (after
        the same best-effort clean-up).
        """
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
                self._undo(created)
                if isinstance(exc, ApiException):
                    message = status_message(exc)
                    if exc.status == 404 and "namespace" in message.lower():
                        cluster = self.connection.name
                        message = f"namespace {namespace!r} does not exist on cluster {cluster!r}: {message}"
                    raise CreateFailed(message, exc.status, kind, name) from exc
                if isinstance(exc, ValidationError):
                    raise CreateFailed(f"invalid {kind} {name}: {exc}", None, kind, name) from exc
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

    def _undo(self, created: list[CreatedObject]) -> None:
        for obj in reversed(created):
            try:
                outcome = self.delete_component(obj.kind, obj.namespace, obj.name, obj.uid)
                if not outcome.ok:
                    logger.warning(
                        "could not undo %s %s/%s: %s", obj.kind, obj.namespace, obj.name, outcome.message
                    )
            except Exception:  # best effort: the original error is what the caller needs
                logger.exception("could not undo %s %s/%s", obj.kind, obj.namespace, obj.name)


def _slim(obj: dict, kind: Kind) -> dict:
    """Keep only what states, owners and requests need (the full object can be large)."""
    metadata = obj.get("metadata") or {}
    annotations = metadata.get("annotations") or {}
    spec = obj.get("spec") or {}
    slim_spec = {key: spec[key] for key in kind.keep_spec if key in spec}
    template = slim_spec.get("template")
    if template:
        template_spec = template.get("spec") or {}
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
            "labels": metadata.get("labels") or {},
            "annotations": {k: v for k, v in annotations.items() if k.startswith("devcenter.io/")},
            "ownerReferences": metadata.get("ownerReferences") or [],
            "creationTimestamp": metadata.get("creationTimestamp"),
            "deletionTimestamp": metadata.get("deletionTimestamp"),
        },
        "spec": slim_spec,
        "status": obj.get("status") or {},
    }
