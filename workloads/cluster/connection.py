"""How to reach one cluster's API, and the one place a kubernetes ApiClient is built.

`api_client(connection)` returns a client that:
- authenticates from the pod's service account when devcenter runs in the cluster
  (`in_cluster`: KUBERNETES_SERVICE_HOST/PORT, the token and CA the kubelet mounts, re-read
  as the token rotates), from a kubeconfig (+ context) or from an API URL + bearer token; an explicit
  token replaces whatever credentials the kubeconfig holds (token, client certificate, basic
  auth, an exec or auth-provider plugin);
- never retries in urllib3 (our Celery tasks own retries and their back-off);
- waits on a token bucket shared by every client of the same connection (the kubernetes
  client has no rate limiter; client-go's default is qps=5, burst=10: ours are configurable);
- applies `connection.request_timeout` to any call that does not pass `_request_timeout`.

A connection that cannot be built (a kubeconfig missing, not YAML, naming no context; no URL)
raises `ClusterUnreachable` with a plain message, like a cluster that does not answer.
"""

import os
import threading
import time
import urllib.parse
from dataclasses import dataclass

import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.config.incluster_config import InClusterConfigLoader

from .errors import ClusterUnreachable

# Where the kubelet mounts a pod's service account; DEVCENTER_SERVICE_ACCOUNT_DIR moves it (tests).
SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


@dataclass(frozen=True)
class ClusterConnection:
    """Where a cluster's API is and how to call it. Plain data: no Django model."""

    name: str
    api_url: str = ""
    token: str = ""
    kubeconfig: str = ""  # path of a kubeconfig file; used when set
    context: str = ""  # context in that kubeconfig ("" = its current-context)
    verify_ssl: bool = True
    request_timeout: tuple[float, float] = (3, 20)  # (connect, read) seconds
    qps: float = 50
    burst: int = 100
    in_cluster: bool = False  # the cluster devcenter runs in: the pod's service account

    def __post_init__(self):
        if not self.in_cluster and not self.kubeconfig and not self.api_url:
            raise ValueError(f"cluster {self.name!r}: set a kubeconfig or an api_url, or in_cluster")
        if self.qps <= 0 or self.burst < 1:
            raise ValueError(f"cluster {self.name!r}: qps must be > 0 and burst >= 1")

    @classmethod
    def from_record(cls, cluster) -> "ClusterConnection":
        """From anything with the registered cluster's fields (the Cluster row: plain attributes,
        so this package needs no Django model)."""
        return cls(
            name=cluster.name,
            api_url=cluster.api_url,
            token=cluster.token,
            kubeconfig=cluster.kubeconfig,
            context=cluster.context,
            verify_ssl=cluster.verify_ssl,
            in_cluster=cluster.in_cluster,
        )

    def __repr__(self):  # never print the token
        return f"ClusterConnection(name={self.name!r}, api_url={self.api_url!r}, context={self.context!r})"


class TokenBucket:
    """A thread-safe token bucket: `acquire()` blocks until a token is available."""

    def __init__(self, qps: float, burst: int, clock=time.monotonic, sleep=time.sleep):
        self.qps = float(qps)
        self.burst = int(burst)
        self._tokens = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._lock = threading.Lock()

    def _reserve(self) -> float:
        """Take a token (possibly going into debt) and return how long to wait for it."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.qps)
            self._updated = now
            self._tokens -= 1
            return 0.0 if self._tokens >= 0 else -self._tokens / self.qps

    def acquire(self) -> float:
        wait = self._reserve()
        if wait > 0:
            self._sleep(wait)
        return wait


_buckets: dict[tuple, TokenBucket] = {}
_buckets_lock = threading.Lock()


def rate_limiter(connection: ClusterConnection) -> TokenBucket:
    """The token bucket shared by all clients of this cluster in this process."""
    key = (connection.name, connection.api_url, connection.kubeconfig, connection.context)
    with _buckets_lock:
        bucket = _buckets.get(key)
        if bucket is None or (bucket.qps, bucket.burst) != (connection.qps, connection.burst):
            bucket = _buckets[key] = TokenBucket(connection.qps, connection.burst)
        return bucket


class GatewayApiClient(k8s.ApiClient):
    """An ApiClient that waits for the rate limiter and always sends a timeout."""

    def __init__(self, configuration, *, limiter: TokenBucket, request_timeout):
        super().__init__(configuration)
        self.limiter = limiter
        self.request_timeout = tuple(request_timeout)

    def call_api(self, method, url, header_params=None, body=None, post_params=None, _request_timeout=None):
        self.limiter.acquire()
        return super().call_api(
            method,
            url,
            header_params=header_params,
            body=body,
            post_params=post_params,
            _request_timeout=_request_timeout or self.request_timeout,
        )


def _load_kubeconfig(connection: ClusterConnection, configuration: k8s.Configuration) -> None:
    """Load the kubeconfig into `configuration`; ClusterUnreachable with a plain message if it cannot be."""
    path = os.path.expanduser(connection.kubeconfig)
    where = f"kubeconfig {connection.kubeconfig}"
    if not os.path.isfile(path):
        raise ClusterUnreachable(connection.name, f"{where} not found")
    try:
        k8s_config.load_kube_config(
            config_file=path,
            context=connection.context or None,
            client_configuration=configuration,
            persist_config=False,
        )
    except yaml.YAMLError as exc:
        problem = " ".join(str(getattr(exc, "problem", "") or "").split()) or "invalid YAML"
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        raise ClusterUnreachable(connection.name, f"{where} is not valid YAML: {problem}{line}") from exc
    except k8s_config.ConfigException as exc:
        message = " ".join(str(exc).split())
        if (connection.context and "context" in message.lower()) or "current-context" in message:
            wanted = f"context {connection.context!r}" if connection.context else "current-context"
            message = f"names no {wanted} ({message})"
        raise ClusterUnreachable(connection.name, f"{where}: {message}") from exc
    except (OSError, ValueError, TypeError, AttributeError, KeyError) as exc:
        # A file that is YAML but no kubeconfig (a string, a list), unreadable certificate data...
        raise ClusterUnreachable(
            connection.name, f"{where} cannot be used ({type(exc).__name__}: {exc})"
        ) from exc


def _load_in_cluster(connection: ClusterConnection, configuration: k8s.Configuration) -> None:
    """The pod's service account, as `kubernetes.config.load_incluster_config` reads it (the same
    loader, with the mount's directory as a parameter)."""
    directory = os.environ.get("DEVCENTER_SERVICE_ACCOUNT_DIR") or SERVICE_ACCOUNT_DIR
    loader = InClusterConfigLoader(
        token_filename=os.path.join(directory, "token"),
        cert_filename=os.path.join(directory, "ca.crt"),
        try_refresh_token=True,  # bound tokens rotate: the loader reads the file again
        environ=os.environ,
    )
    try:
        loader.load_and_set(configuration)
    except k8s_config.ConfigException as exc:
        raise ClusterUnreachable(
            connection.name, f"not running in a pod of this cluster ({' '.join(str(exc).split())}; looked in {directory})"
        ) from exc


def _check_url(connection: ClusterConnection, url: str) -> None:
    parts = urllib.parse.urlsplit(url or "")
    try:
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        port_ok = False
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise ClusterUnreachable(connection.name, f"API URL {url!r} is not an http(s) URL with a host")


def _configuration(connection: ClusterConnection) -> k8s.Configuration:
    configuration = k8s.Configuration()
    if connection.in_cluster:
        _load_in_cluster(connection, configuration)
    elif connection.kubeconfig:
        _load_kubeconfig(connection, configuration)
        if connection.api_url:
            configuration.host = connection.api_url.rstrip("/")
    else:
        configuration.host = connection.api_url.rstrip("/")
    _check_url(connection, configuration.host)
    if connection.token:
        # The explicit token replaces the kubeconfig's credentials: its token hook would put its
        # own "Bearer <token>" back before every request (and we would send "Bearer Bearer ...").
        configuration.refresh_api_key_hook = None
        configuration.api_key = {"BearerToken": connection.token}
        configuration.api_key_prefix = {"BearerToken": "Bearer"}
        configuration.cert_file = configuration.key_file = None
        configuration.username = configuration.password = None
    if not connection.verify_ssl:
        configuration.verify_ssl = False
    configuration.retries = False  # no urllib3 retries: the caller (Celery) retries
    configuration.client_go_retries = False
    return configuration


def api_client(connection: ClusterConnection) -> GatewayApiClient:
    """A kubernetes ApiClient for `connection` (see the module docstring)."""
    return GatewayApiClient(
        _configuration(connection),
        limiter=rate_limiter(connection),
        request_timeout=connection.request_timeout,
    )
