"""What a Celery worker adds for its pod: a heartbeat file and, optionally, a metrics port.

The heartbeat is a timer on the worker's own event loop (a bootstep): when the consumer stops
turning (blocked, wedged on the broker) the file ages and `probe worker` fails. The metrics
port (METRICS_PORT) serves what the worker's processes counted (multiprocess mode), since a
worker pod has no web server.
"""

import logging
import os
import shutil

from celery import bootsteps
from celery.signals import worker_init, worker_process_shutdown, worker_ready
from django.conf import settings
from prometheus_client import multiprocess, start_http_server

from devcenter import heartbeat
from devcenter.metrics import process_registry

logger = logging.getLogger(__name__)


class HeartbeatStep(bootsteps.StartStopStep):
    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.timer_ref = None

    def start(self, worker):
        self.beat()
        self.timer_ref = worker.timer.call_repeatedly(settings.WORKER_HEARTBEAT_SECONDS, self.beat)

    def stop(self, worker):
        if self.timer_ref is not None:
            self.timer_ref.cancel()

    @staticmethod
    def beat():
        try:
            heartbeat.beat(settings.WORKER_HEARTBEAT_FILE)
        except OSError:
            logger.exception("worker heartbeat file %s could not be written", settings.WORKER_HEARTBEAT_FILE)


def install(app) -> None:
    app.steps["worker"].add(HeartbeatStep)


@worker_init.connect
def _empty_metrics_directory(**kwargs):
    """Before the pool starts: a restarted container finds its memory volume as it left it, and
    the files of its dead processes would add up again."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)


@worker_ready.connect
def _serve_metrics(sender=None, **kwargs):
    port = settings.METRICS_PORT
    if port:
        start_http_server(port, registry=process_registry())
        logger.info("worker metrics on port %s", port)


@worker_process_shutdown.connect
def _forget_process(pid=None, **kwargs):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid or os.getpid())
