"""The bench's data: project `bench` with N workloads, 49 other projects with N between them.

One INSERT ... SELECT over generate_series per call. The column list is derived from the
Workload model: a column the bench does not choose a value for gets the field's own default, and
a new NOT NULL column without a default stops the bench with its name (a bulk INSERT that
forgot `create_attempts` once broke the bench unnoticed).
"""

import time

BENCH_PROJECT = "bench"
BENCH_USER = "bench"
OTHER_PROJECTS = 49

# A realistic mix: mostly finished work, a running minority, few in flight (weights out of 100).
TYPE_WEIGHTS = {
    "training": 28, "fine_tuning": 16, "inference": 14, "workspace": 14, "evaluation": 10,
    "model_download": 8, "pre_training": 6, "custom": 4,
}
STATUS_WEIGHTS = {
    "complete": 38, "deleted": 20, "running": 15, "failed": 9, "terminated": 6, "pending": 5,
    "unknown": 3, "added": 2, "deleting": 1, "delete_failed": 1,
}
FINISHED = ("complete", "failed", "terminated", "deleted", "delete_failed")
NOT_STARTED = ("added", "pending")

# SQL for the columns the bench chooses; `i` is the row's number, `status` its status.
CHOSEN_COLUMNS = {
    "project_id": "%(project)s",
    "cluster_id": "%(cluster)s",
    "name": "'wl-' || lpad(i::text, 7, '0')",
    "type": "(%(types)s::text[])[1 + (i * 7919) %% 100]",
    "status": "status",
    "status_reason": "CASE WHEN status = 'pending' THEN '1 pending' ELSE '' END",
    "status_changed_at": "created_at + interval '2 minutes'",
    "requested_gpu": "(i * 31) %% 9",
    "requested_cpu_millicores": "1000 * (1 + (i * 17) %% 32)",
    "requested_memory_bytes": "(1 + (i * 13) %% 128)::bigint * 1073741824",
    "namespace": "%(namespace)s",
    "created_by_id": "%(user)s",
    "created_by_name": "%(username)s",
    "created_at": "created_at",
    "started_at": f"CASE WHEN status IN {NOT_STARTED!r} THEN NULL ELSE created_at + interval '1 minute' END",
    "finished_at": f"CASE WHEN status IN {FINISHED!r} THEN created_at + interval '47 minutes' ELSE NULL END",
}


def expanded(weights):
    """A 100-element array where each value appears `weight` times: index it with a hash of i."""
    values = [value for value, weight in weights.items() for _ in range(weight)]
    assert len(values) == 100, f"weights must add up to 100, not {len(values)}"
    return values


def workload_columns(connection):
    """-> [(column, SQL expression or None, parameter)] for every concrete column but the pk."""
    from workloads.models import Workload

    columns = []
    for field in Workload._meta.concrete_fields:
        if field.primary_key:
            continue
        if field.column in CHOSEN_COLUMNS:
            columns.append((field.column, CHOSEN_COLUMNS[field.column], None))
        elif field.has_default() or (field.empty_strings_allowed and not field.null):
            columns.append((field.column, None, field.get_db_prep_save(field.get_default(), connection)))
        elif field.null:
            columns.append((field.column, "NULL", None))
        else:
            raise RuntimeError(f"bench/data.py: choose a value for the new column Workload.{field.column}")
    return columns


def insert_workloads(project, cluster, user, first, last):
    """Rows numbered first..last (inclusive) for one project; newest first by number."""
    from django.db import connection

    from workloads.models import Workload

    params = {
        "project": project.id, "cluster": cluster.id, "user": user.id, "username": user.username,
        "namespace": project.name, "types": expanded(TYPE_WEIGHTS), "statuses": expanded(STATUS_WEIGHTS),
        "first": first, "last": last,
    }
    names, expressions = [], []
    for index, (column, expression, default) in enumerate(workload_columns(connection)):
        names.append(connection.ops.quote_name(column))
        if expression is None:
            params[f"default_{index}"] = default
            expression = f"%(default_{index})s"
        expressions.append(expression)
    sql = f"""
        INSERT INTO {Workload._meta.db_table} ({", ".join(names)})
        SELECT {", ".join(expressions)}
        FROM (
            SELECT i,
                   (%(statuses)s::text[])[1 + (i * 104729) %% 100] AS status,
                   now() - make_interval(secs => i * 2.5) AS created_at
            FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i  -- bigint: i * 104729 overflows int past 20,504
        ) AS numbered
    """  # noqa: S608 - names come from the model; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def populate(total):
    """Project `bench` (user `bench`, admin) with `total` workloads and 49 others with `total`
    between them. Idempotent: existing rows are kept and only the missing ones added."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from projects.models import Cluster, Membership, Project, Quota, Role
    from workloads.models import Workload

    started = time.perf_counter()
    user, _ = get_user_model().objects.get_or_create(username=BENCH_USER)
    cluster, _ = Cluster.objects.get_or_create(
        name="bench", defaults={"api_url": "http://127.0.0.1:9", "capacity_gpu": 10**6,
                                "capacity_cpu_millicores": 10**9, "capacity_memory_bytes": 10**15},
    )
    # Its statuses were checked just now (what a refresh stamps): each row shows "refreshed … ago".
    Cluster.objects.filter(pk=cluster.pk).update(last_seen_at=timezone.now())
    wanted = {BENCH_PROJECT: total}
    per_other, remainder = divmod(total, OTHER_PROJECTS)
    for number in range(1, OTHER_PROJECTS + 1):
        wanted[f"team-{number:02d}"] = per_other + (1 if number <= remainder else 0)
    inserted = 0
    for name, count in wanted.items():
        project, _ = Project.objects.get_or_create(name=name, defaults={"display_name": name.title()})
        Membership.objects.get_or_create(user=user, project=project, defaults={"role": Role.ADMIN})
        Quota.objects.get_or_create(
            project=project, cluster=cluster,
            defaults={"gpu": 10**6, "cpu_millicores": 10**9, "memory_bytes": 10**15, "namespace": name},
        )
        have = Workload.objects.filter(project=project).count()
        if have < count:
            with transaction.atomic():
                insert_workloads(project, cluster, user, have + 1, count)
            inserted += count - have
    if inserted:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {Workload._meta.db_table}")
    project = Project.objects.get(name=BENCH_PROJECT)
    return project, user, inserted, time.perf_counter() - started
