"""The Celery app; its settings come from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devcenter.settings")

app = Celery("devcenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
