"""Celery tasks: take ids, stay idempotent. (Being written: see the tasks issue.)"""

from celery import shared_task


@shared_task
def delete_workload(workload_id: int) -> None:
    raise NotImplementedError("delete_workload is being written")
