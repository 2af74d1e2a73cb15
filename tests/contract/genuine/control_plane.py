"""A genuine Kubernetes control plane on loopback: etcd + kube-apiserver + kube-controller-manager.

    with running_control_plane() as plane:
        connection = plane.connection("genuine")      # a workloads.cluster.ClusterConnection

The binaries come from `bin/build-kube-apiserver` (v1.20.2, cached under
`$DEVCENTER_CACHE` or `~/.cache/devcenter`); etcd is Debian's. There is no kubelet and no
scheduler: `standin_kubelet.py` plays both for one node. Everything lives in a temporary
directory (on /dev/shm when it exists: etcd fsyncs every write) that is removed on exit, with
one log file per process; a process that fails to start raises with the tail of its log.
"""

import contextlib
import ctypes
import dataclasses
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from workloads.cluster import ClusterConnection

KUBE_VERSION = "1.20.2"
BUILD_HINT = "run bin/build-kube-apiserver (about 7 minutes once)"
START_TIMEOUT = 60.0
PR_SET_PDEATHSIG = 1  # linux/prctl.h

# What devcenter's workloads need; the rest of the controller manager stays off.
CONTROLLERS = (
    "job,deployment,replicaset,statefulset,garbagecollector,namespace,nodelifecycle,"
    "serviceaccount-token,serviceaccount,resourcequota"
)
# These are 1.20's defaults already (kube-apiserver --help); naming them keeps the
# contract's assumptions visible: quotas, Terminating namespaces, default service accounts,
# the not-ready taint on new nodes and the 300 s unreachable toleration on pods.
ADMISSION_PLUGINS = (
    "NamespaceLifecycle,LimitRanger,ServiceAccount,TaintNodesByCondition,Priority,"
    "DefaultTolerationSeconds,ResourceQuota"
)

# Python 3.13 verifies strictly: a CA needs critical basicConstraints and keyCertSign, a
# leaf needs an authorityKeyIdentifier (and the IP it is reached on as a SAN).
OPENSSL_CONFIG = """\
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = IP:127.0.0.1, DNS:localhost, IP:10.0.0.1, DNS:kubernetes.default.svc
"""


class ControlPlaneMissing(RuntimeError):
    """The binaries are not built (or etcd/openssl are not installed)."""


class ControlPlaneFailed(RuntimeError):
    """A process did not start; the message ends with the tail of its log."""


def cache_dir() -> Path:
    return Path(os.environ.get("DEVCENTER_CACHE") or Path.home() / ".cache" / "devcenter")


def binaries() -> dict[str, str]:
    """Paths of the four programs, or ControlPlaneMissing naming what is absent."""
    bin_dir = cache_dir() / f"k8s-{KUBE_VERSION}" / "bin"
    found = {name: bin_dir / name for name in ("kube-apiserver", "kube-controller-manager")}
    missing = [str(path) for path in found.values() if not os.access(path, os.X_OK)]
    if missing:
        raise ControlPlaneMissing(f"genuine kube-apiserver not built: {BUILD_HINT}; missing {', '.join(missing)}")
    programs = {name: str(path) for name, path in found.items()}
    for tool in ("etcd", "openssl"):
        path = shutil.which(tool) or f"/usr/bin/{tool}"
        if not os.access(path, os.X_OK):
            raise ControlPlaneMissing(f"genuine kube-apiserver not built: {tool} is not installed; {BUILD_HINT}")
        programs[tool] = path
    return programs


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log_path: Path

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def check_alive(self) -> None:
        if self.popen.poll() is not None:
            raise ControlPlaneFailed(
                f"{self.name} exited with {self.popen.returncode}; last lines of {self.log_path}:\n{self.tail()}"
            )

    def stop(self, timeout: float = 5.0) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


@dataclass(frozen=True)
class ControlPlane:
    url: str
    token: str
    ca_path: str
    kubeconfig_path: str
    cert_path: str  # the serving certificate (for 127.0.0.1), reusable by a stand-in kubelet
    key_path: str
    workdir: str
    version: str

    def connection(self, name: str = "genuine", **options) -> ClusterConnection:
        """A ClusterConnection for the admin through the kubeconfig (URL, CA and token).

        Not kubeconfig + token: the kubeconfig loader's refresh hook re-sets the token as
        "Bearer <t>" before each request, the connection adds its "Bearer" prefix again, and
        the server answers 401 to "Bearer Bearer <t>".
        """
        return ClusterConnection(name, kubeconfig=self.kubeconfig_path, **options)

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_path)

    def get(self, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
        """A GET as the admin: (status, body). For probes; tests use the gateway."""
        request = urllib.request.Request(self.url + path, headers={"Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=timeout, context=self.ssl_context()) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()


def _openssl(openssl: str, workdir: Path, *args: str) -> None:
    result = subprocess.run([openssl, *args], cwd=workdir, capture_output=True, text=True)
    if result.returncode:
        raise ControlPlaneFailed(f"openssl {' '.join(args)} failed:\n{result.stderr}")


def _make_certificates(openssl: str, workdir: Path) -> None:
    """ca.crt/ca.key, server.crt/server.key (127.0.0.1), sa.key/sa.pub (service accounts)."""
    (workdir / "openssl.cnf").write_text(OPENSSL_CONFIG)
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl(openssl, workdir, "req", "-x509", "-new", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "7",
             "-subj", "/CN=devcenter-contract-ca", "-config", "openssl.cnf", "-extensions", "ca")
    _openssl(openssl, workdir, "req", "-new", *ec, "-keyout", "server.key", "-out", "server.csr",
             "-subj", "/CN=kube-apiserver", "-config", "openssl.cnf")
    _openssl(openssl, workdir, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
             "-set_serial", str(secrets.randbits(63)), "-days", "7", "-extfile", "openssl.cnf",
             "-extensions", "leaf", "-out", "server.crt")
    _openssl(openssl, workdir, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "sa.key")
    _openssl(openssl, workdir, "pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub")


def _write_kubeconfig(path: Path, url: str, ca_path: Path, token: str) -> None:
    # JSON is YAML: the kubernetes client and kubectl both read it.
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "genuine", "cluster": {"server": url, "certificate-authority": str(ca_path)}}],
        "users": [{"name": "admin", "user": {"token": token}}],
        "contexts": [{"name": "genuine", "context": {"cluster": "genuine", "user": "admin"}}],
        "current-context": "genuine",
    }
    path.write_text(json.dumps(config, indent=2))
    path.chmod(0o600)


def _wait(what: str, process: Process, ready, timeout: float = START_TIMEOUT) -> None:
    """Poll `ready()` until true, failing fast (with the log) if `process` dies."""
    deadline = time.monotonic() + timeout
    while True:
        process.check_alive()
        with contextlib.suppress(OSError, ssl.SSLError, urllib.error.URLError, ValueError):
            if ready():
                return
        if time.monotonic() > deadline:
            raise ControlPlaneFailed(f"{what} not ready after {timeout:.0f} s; last lines of "
                                     f"{process.log_path}:\n{process.tail()}")
        time.sleep(0.1)


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _start(name: str, argv: list[str], workdir: Path) -> Process:
    log_path = workdir / f"{name}.log"
    with open(log_path, "wb") as log:
        # Own session: a Ctrl-C in the terminal reaches pytest, which then stops us in order.
        # PR_SET_PDEATHSIG: should pytest itself be killed, the kernel stops us too.
        popen = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 cwd=workdir, start_new_session=True, preexec_fn=_die_with_parent)
    return Process(name, popen, log_path)


@contextlib.contextmanager
def running_control_plane(*, keep_workdir: bool = False):
    """Start etcd, kube-apiserver and kube-controller-manager; yield a ControlPlane."""
    programs = binaries()
    shm = Path("/dev/shm")
    workdir = Path(tempfile.mkdtemp(prefix="k8s-genuine-", dir=shm if os.access(shm, os.W_OK) else None))
    processes: list[Process] = []
    try:
        _make_certificates(programs["openssl"], workdir)
        token = secrets.token_hex(16)
        # user,uid,"groups": system:masters bypasses RBAC, as a cluster admin's credentials do.
        (workdir / "tokens.csv").write_text(f'{token},admin,admin,"system:masters"\n')

        etcd_port, peer_port, api_port = free_port(), free_port(), free_port()
        etcd_url, peer_url = f"http://127.0.0.1:{etcd_port}", f"http://127.0.0.1:{peer_port}"
        etcd = _start("etcd", [
            programs["etcd"], "--name=contract", f"--data-dir={workdir / 'etcd'}",
            f"--listen-client-urls={etcd_url}", f"--advertise-client-urls={etcd_url}",
            f"--listen-peer-urls={peer_url}", f"--initial-advertise-peer-urls={peer_url}",
            f"--initial-cluster=contract={peer_url}", "--log-level=warn",
        ], workdir)
        processes.append(etcd)
        _wait("etcd", etcd, lambda: b'"true"' in urllib.request.urlopen(etcd_url + "/health", timeout=1).read())

        url = f"https://127.0.0.1:{api_port}"
        apiserver = _start("kube-apiserver", [
            programs["kube-apiserver"], f"--etcd-servers={etcd_url}",
            "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", f"--secure-port={api_port}",
            "--insecure-port=0",  # 1.20 still serves an unauthenticated port 8080 otherwise
            f"--cert-dir={workdir / 'apiserver'}",
            f"--tls-cert-file={workdir / 'server.crt'}", f"--tls-private-key-file={workdir / 'server.key'}",
            f"--client-ca-file={workdir / 'ca.crt'}", f"--token-auth-file={workdir / 'tokens.csv'}",
            "--authorization-mode=Node,RBAC", f"--enable-admission-plugins={ADMISSION_PLUGINS}",
            "--endpoint-reconciler-type=none",  # no kubernetes Endpoints pointing at loopback
            f"--service-account-key-file={workdir / 'sa.pub'}",
            f"--service-account-signing-key-file={workdir / 'sa.key'}",
            "--service-account-issuer=https://kubernetes.default.svc",
            # Logs are proxied to the node's InternalIP (the stand-in kubelet, 127.0.0.1).
            "--kubelet-preferred-address-types=InternalIP",
            "--service-cluster-ip-range=10.0.0.0/24", "--profiling=false",
        ], workdir)
        processes.append(apiserver)
        plane = ControlPlane(url, token, str(workdir / "ca.crt"), str(workdir / "kubeconfig"),
                             str(workdir / "server.crt"), str(workdir / "server.key"), str(workdir), "")
        _wait("kube-apiserver", apiserver, lambda: plane.get("/readyz", timeout=2) == (200, b"ok"))
        _write_kubeconfig(Path(plane.kubeconfig_path), url, Path(plane.ca_path), token)
        version = json.loads(plane.get("/version")[1])["gitVersion"]

        manager = _start("kube-controller-manager", [
            programs["kube-controller-manager"], f"--kubeconfig={plane.kubeconfig_path}",
            f"--controllers={CONTROLLERS}", "--leader-elect=false",
            "--port=0", "--secure-port=0",  # no health ports to collide between runs
            f"--service-account-private-key-file={workdir / 'sa.key'}", f"--root-ca-file={plane.ca_path}",
            "--use-service-account-credentials=false",  # one admin identity, no per-controller RBAC
            "--node-monitor-grace-period=40s",  # a silent node is Unknown after 40 s (the default)
        ], workdir)
        processes.append(manager)

        # The controllers run once the default namespace's service account has its token:
        # before that, pods are refused by the ServiceAccount admission plugin.
        def default_account_ready():
            status, body = plane.get("/api/v1/namespaces/default/serviceaccounts/default", timeout=2)
            return status == 200 and json.loads(body).get("secrets")

        _wait("kube-controller-manager", manager, default_account_ready)
        yield dataclasses.replace(plane, version=version)
    finally:
        for process in reversed(processes):
            process.stop()
        if not keep_workdir:
            shutil.rmtree(workdir, ignore_errors=True)

