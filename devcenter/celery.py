"""The Celery app; its settings come from Django settings (CELERY_* names), its routes from
`workloads.task_names` (one queue per kind of work)."""

import os

from celery import Celery
from kombu import Queue

from devcenter import worker_liveness
from workloads import task_names

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devcenter.settings")

app = Celery("devcenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in task_names.QUEUES]
app.conf.task_default_queue = task_names.LIFECYCLE_QUEUE
app.conf.task_routes = task_names.ROUTES
app.autodiscover_tasks()
worker_liveness.install(app)
