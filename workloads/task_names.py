"""Celery task names and the queue each goes to. Senders use these names (`send_task`), so
nothing that queues work imports the task functions, and no import cycle needs breaking.

Two queues: `lifecycle` (creates, deletes, stops and resumes a person is waiting for) and `refresh` (status
refreshes, which can run long): a delete never waits behind a refresh. A worker started
without `-Q` consumes both (the embedded `make run` worker and the tests do).
"""

LIFECYCLE_QUEUE = "lifecycle"
REFRESH_QUEUE = "refresh"
QUEUES = (LIFECYCLE_QUEUE, REFRESH_QUEUE)

CREATE_WORKLOAD = "workloads.create_workload"
DELETE_WORKLOAD = "workloads.delete_workload"
STOP_WORKLOAD = "workloads.stop_workload"
RESUME_WORKLOAD = "workloads.resume_workload"
FAIL_STUCK_DELETES = "workloads.fail_stuck_deletes"
RESEND_LOST_TASKS = "workloads.resend_lost_tasks"
REFRESH_CLUSTER = "workloads.refresh_cluster"
REFRESH_ALL_CLUSTERS = "workloads.refresh_all_clusters"

ROUTES = {
    CREATE_WORKLOAD: {"queue": LIFECYCLE_QUEUE},
    DELETE_WORKLOAD: {"queue": LIFECYCLE_QUEUE},
    STOP_WORKLOAD: {"queue": LIFECYCLE_QUEUE},
    RESUME_WORKLOAD: {"queue": LIFECYCLE_QUEUE},
    FAIL_STUCK_DELETES: {"queue": LIFECYCLE_QUEUE},
    RESEND_LOST_TASKS: {"queue": LIFECYCLE_QUEUE},
    REFRESH_CLUSTER: {"queue": REFRESH_QUEUE},
    REFRESH_ALL_CLUSTERS: {"queue": REFRESH_QUEUE},
}
