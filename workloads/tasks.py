"""Celery tasks: take ids, stay idempotent. The work itself lives in sync/refresh.py,
lifecycle/delete_execute.py, lifecycle/launch_execute.py and lifecycle/scale_execute.py; these wrappers add names and
queues (`task_names`), scheduling, retries and the attempt limits.

Reliability (settings.py): acks_late + reject_on_worker_lost redeliver a task whose worker
died, so every task here may run twice. Deletes and launches claim their work with a
conditional UPDATE that counts attempts (a replay of finished work changes nothing, a message
that keeps killing workers stops); refreshes take a per-cluster lock and only write what changed.
"""

import logging

from celery import shared_task
from django.conf import settings

from projects.models import Cluster
from workloads import task_names
from workloads.cluster import ClusterUnreachable
from workloads.lifecycle import delete_execute as deletion
from workloads.lifecycle import launch_execute as launching
from workloads.lifecycle import queueing
from workloads.lifecycle import scale_execute as scaling
from workloads.models import ScaleVerb
from workloads.sync import refresh

logger = logging.getLogger(__name__)

# Cluster errors are retried with exponential back-off and full jitter (1 s, 2 s, 4 s...
# capped at a minute, each drawn at random below the cap so many failing tasks do not retry
# in step). After the last retry the failure is recorded on the workload.
MAX_RETRIES = getattr(settings, "CLUSTER_TASK_MAX_RETRIES", 5)
RETRY_OPTIONS = {
    "bind": True,
    "max_retries": MAX_RETRIES,
    "retry_backoff": 1,
    "retry_backoff_max": 60,
    "retry_jitter": True,
}
# Runs allowed per workload beyond the retries: redeliveries after a worker was killed.
EXTRA_ATTEMPTS = 3


def _final_attempt(task) -> bool:
    return task.request.retries >= task.max_retries


def _attempt_limit(task) -> int:
    return task.max_retries + 1 + EXTRA_ATTEMPTS


@shared_task(name=task_names.REFRESH_CLUSTER)
def refresh_cluster(cluster_id: int) -> dict:
    """Bring the statuses of one cluster's workloads up to date (skipped if one is running)."""
    result = refresh.refresh_cluster(cluster_id)
    return vars(result)


@shared_task(name=task_names.REFRESH_ALL_CLUSTERS)
def refresh_all_clusters() -> int:
    """Beat: one refresh task per cluster, so clusters are refreshed in parallel."""
    ids = list(Cluster.objects.values_list("id", flat=True))
    queueing.send_each(task_names.REFRESH_CLUSTER, [(cluster_id,) for cluster_id in ids])
    return len(ids)


@shared_task(
    name=task_names.DELETE_WORKLOAD,
    autoretry_for=(ClusterUnreachable, deletion.TransientDeleteError),
    **RETRY_OPTIONS,
)
def delete_workload(self, workload_id: int) -> None:
    """Delete a Deleting workload's components (queued by lifecycle.request_delete)."""
    limit = _attempt_limit(self)
    if not deletion.claim(workload_id, limit):
        deletion.give_up_if_exhausted(workload_id, limit)
        return
    deletion.delete_workload(workload_id, final_attempt=_final_attempt(self))


@shared_task(name=task_names.STOP_WORKLOAD, autoretry_for=(ClusterUnreachable,), **RETRY_OPTIONS)
def stop_workload(self, workload_id: int) -> None:
    """Scale a stopping workload's controllers to zero (queued by lifecycle.request_stop)."""
    _scale(self, workload_id, ScaleVerb.STOP, scaling.stop_workload)


@shared_task(name=task_names.RESUME_WORKLOAD, autoretry_for=(ClusterUnreachable,), **RETRY_OPTIONS)
def resume_workload(self, workload_id: int) -> None:
    """Scale a resumed workload's controllers back up (queued by lifecycle.request_resume)."""
    _scale(self, workload_id, ScaleVerb.RESUME, scaling.resume_workload)


def _scale(task, workload_id: int, verb: ScaleVerb, run) -> None:
    limit = _attempt_limit(task)
    if not scaling.claim(workload_id, verb, limit):
        scaling.give_up_if_exhausted(workload_id, verb, limit)
        return
    run(workload_id, final_attempt=_final_attempt(task))


@shared_task(name=task_names.FAIL_STUCK_DELETES)
def fail_stuck_deletes() -> int:
    """Beat, every minute: deletes that hang longer than the limit become Delete Failed."""
    return deletion.fail_stuck_deletes()


@shared_task(name=task_names.CREATE_WORKLOAD, autoretry_for=(ClusterUnreachable,), **RETRY_OPTIONS)
def create_workload(self, workload_id: int) -> None:
    """Create an Added workload's objects in its cluster (queued by the launch view)."""
    limit = _attempt_limit(self)
    attempt = launching.claim(workload_id, limit)
    if attempt is None:
        launching.give_up_if_exhausted(workload_id, limit)
        return
    launching.create_workload(workload_id, attempt=attempt, final_attempt=_final_attempt(self))


@shared_task(name=task_names.RESEND_LOST_TASKS)
def resend_lost_tasks() -> dict:
    """Beat, every minute: queue again the creates and deletes whose message was lost (a Redis
    restart, a broker down at the click). The database says what is still to do; duplicates
    are harmless (the tasks claim their work) and the attempt counters are not reset. Stops and
    resumes likewise (`resend_lost_scales`, logged; the result counts creates and deletes)."""
    queueing.resend_lost_scales()
    return queueing.resend_lost()
