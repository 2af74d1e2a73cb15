"""Queueing create/delete tasks so that the database, not the broker, is the source of truth.

The broker (Redis, run without persistence) may be down when a person deletes or launches,
and a restart loses every queued message. So:

- `enqueue_after_commit` sends after commit and, when the broker cannot be reached, logs a
  warning instead of raising: the person's row is committed (Deleting / Added) and the
  request succeeds. The publish gives up quickly (settings: connect timeout, retry policy).
- `resend_lost` (beat task `resend_lost_tasks`, every minute) queues again the task of every
  workload still Deleting, or still Added (no components) after a create was sent, whose
  last send is older than TASK_RESEND_AFTER_SECONDS. Tasks claim their work with conditional UPDATEs that count
  attempts, so a duplicate changes nothing once the work is done, and a resend never resets
  the attempt counters: a workload whose attempts are spent ends Failed / Delete Failed.
"""

import logging
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from kombu.exceptions import OperationalError

from workloads import task_names
from workloads.models import Component, Workload, WorkloadType
from workloads.status import WorkloadStatus

try:  # the embedded default (filesystem queue) runs without the redis package's errors mattering
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
except ImportError:  # pragma: no cover
    RedisConnectionError = RedisTimeoutError = OperationalError

logger = logging.getLogger(__name__)

# What a publish raises when the broker is unreachable (Celery wraps most of them in kombu's
# OperationalError; the others are listed in case a transport lets them through).
BROKER_ERRORS = (OperationalError, RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)


def publish(task_name: str, args: tuple) -> None:
    """Send one task by name; its queue comes from the routes (`workloads.task_names`)."""
    current_app.send_task(task_name, args=args)


def send_each(task_name: str, args_list, *, remaining: int | None = None) -> int:
    """Send `task_name` once per args tuple now; stop at the first broker failure. Returns how many were sent.

    `remaining`: how many sends the caller still had to make (for the warning), if not all here.
    """
    total = len(args_list) if remaining is None else remaining
    sent = 0
    for args in args_list:
        try:
            publish(task_name, tuple(args))  # (tests record sends by replacing `publish`)
        except BROKER_ERRORS as exc:
            logger.warning(
                "broker unreachable, %s not queued for %d workload(s) (resend_lost_tasks will queue them): %s",
                task_name,
                total - sent,
                exc,
            )
            break
        sent += 1
    return sent


def enqueue_each_after_commit(task_name: str, ids) -> None:
    """After commit, send `task_name(id)` for each id (one callback each); a dead broker is logged,
    never raised, and the first failure skips the sends after it (each would wait again)."""
    ids = list(ids)
    state = {"sent": 0, "failed": False}

    def send_one(workload_id):
        if state["failed"]:
            return
        if send_each(task_name, [(workload_id,)], remaining=len(ids) - state["sent"]):
            state["sent"] += 1
        else:
            state["failed"] = True

    for workload_id in ids:
        transaction.on_commit(lambda workload_id=workload_id: send_one(workload_id))


def enqueue_after_commit(task_name: str, *args) -> None:
    """After commit, send `task_name(*args)`; a dead broker is logged, never raised."""
    transaction.on_commit(lambda: send_each(task_name, [args]))


def _stale(cutoff):
    """Workloads waiting for a create or a delete whose last send is older than `cutoff`."""
    no_components = ~Exists(Component.objects.filter(workload_id=OuterRef("pk")))
    awaiting_delete = Q(status=WorkloadStatus.DELETING, last_sent__lt=cutoff)
    # Only creates that were sent once (launched through admission): an Added row written
    # some other way (the demo data's "Added" example) is not devcenter's to create.
    awaiting_create = Q(
        no_components,
        status=WorkloadStatus.ADDED,
        delete_requested_at__isnull=True,
        task_sent_at__lt=cutoff,
    ) & ~Q(type=WorkloadType.CUSTOM)
    return (
        Workload.objects.filter(status__in=(WorkloadStatus.ADDED, WorkloadStatus.DELETING))
        .annotate(last_sent=Coalesce("task_sent_at", "delete_requested_at"))
        .filter(awaiting_delete | awaiting_create)
    )


def resend_lost(*, older_than: float | None = None, batch: int | None = None) -> dict:
    """Queue again the create/delete tasks of workloads that waited too long; {"delete": n, "create": n}."""
    if older_than is None:
        older_than = settings.TASK_RESEND_AFTER_SECONDS
    now = timezone.now()
    cutoff = now - timedelta(seconds=older_than)
    with transaction.atomic():
        # One query for the candidates; rows another run (or a task) holds are skipped, and
        # stamping them now keeps a second beat run from sending them again.
        rows = list(
            _stale(cutoff)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("last_sent", "id")
            .values_list("id", "status")[: batch or settings.WRITE_BATCH_SIZE]
        )
        if not rows:
            return {"delete": 0, "create": 0}
        Workload.objects.filter(id__in=[workload_id for workload_id, _ in rows]).update(task_sent_at=now)
    deletes = [(workload_id,) for workload_id, status in rows if status == WorkloadStatus.DELETING]
    creates = [(workload_id,) for workload_id, status in rows if status == WorkloadStatus.ADDED]
    sent_deletes = send_each(task_names.DELETE_WORKLOAD, deletes)
    sent_creates = send_each(task_names.CREATE_WORKLOAD, creates) if sent_deletes == len(deletes) else 0
    unsent = [args[0] for args in deletes[sent_deletes:] + creates[sent_creates:]]
    if unsent:
        # Not sent after all: as due as before, so the next run tries them again.
        Workload.objects.filter(id__in=unsent, task_sent_at=now).update(task_sent_at=cutoff)
    if sent_deletes or sent_creates:
        logger.warning(
            "re-queued %d deletes and %d creates that waited over %s s",
            sent_deletes,
            sent_creates,
            older_than,
        )
    return {"delete": sent_deletes, "create": sent_creates}


def resend_lost_scales(*, older_than: float | None = None, batch: int | None = None) -> dict:
    """Queue again the stop/resume tasks whose message was lost; {"stop": n, "resume": n}.

    The same rules as `resend_lost`: the row (`scale_pending`) says what is still to do, a
    duplicate changes nothing (the tasks claim their work), the attempt counter is not reset.
    """
    if older_than is None:
        older_than = settings.TASK_RESEND_AFTER_SECONDS
    now = timezone.now()
    cutoff = now - timedelta(seconds=older_than)
    with transaction.atomic():
        rows = list(
            Workload.objects.exclude(scale_pending="")
            .filter(task_sent_at__lt=cutoff)
            .select_for_update(skip_locked=True)
            .order_by("task_sent_at", "id")
            .values_list("id", "scale_pending")[: batch or settings.WRITE_BATCH_SIZE]
        )
        if not rows:
            return {"stop": 0, "resume": 0}
        Workload.objects.filter(id__in=[workload_id for workload_id, _ in rows]).update(task_sent_at=now)
    stops = [(workload_id,) for workload_id, verb in rows if verb == "stop"]
    resumes = [(workload_id,) for workload_id, verb in rows if verb == "resume"]
    sent_stops = send_each(task_names.STOP_WORKLOAD, stops)
    sent_resumes = send_each(task_names.RESUME_WORKLOAD, resumes) if sent_stops == len(stops) else 0
    unsent = [args[0] for args in stops[sent_stops:] + resumes[sent_resumes:]]
    if unsent:
        Workload.objects.filter(id__in=unsent, task_sent_at=now).update(task_sent_at=cutoff)
    if sent_stops or sent_resumes:
        logger.warning("re-queued %d stops and %d resumes that waited over %s s", sent_stops, sent_resumes, older_than)
    return {"stop": sent_stops, "resume": sent_resumes}
