"""gunicorn's configuration: `gunicorn -c python:devcenter.gunicorn devcenter.wsgi`.

Everything from the environment (the Deployment sets it), with defaults for a small pod. The
access log goes to stdout (the cluster collects it); Prometheus' multiprocess mode needs a
directory shared by the workers, emptied at start and told when a worker exits.
"""

import os
import shutil

from prometheus_client import multiprocess


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be an integer; got {raw!r}") from None
    if value < 1:
        raise SystemExit(f"{name} must be at least 1; got {value}")
    return value


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = _int("GUNICORN_WORKERS", 2)
threads = _int("GUNICORN_THREADS", 4)
# Longer than the slowest page (a CSV export of 10 000 rows) but short enough that a stuck
# worker is replaced before the readiness probe gives up on the pod.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Behind an ingress that keeps connections open: a little longer than nginx's keepalive.
keepalive = _int("GUNICORN_KEEPALIVE", 75)
# Recycle workers now and then so a slow leak never takes the pod down.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'
# The root filesystem is read-only in the pod: the workers' heartbeat files go to a memory
# volume (the manifests mount one on /tmp and set this).
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or None
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Start with an empty metrics directory: a previous run's files would add up again."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
