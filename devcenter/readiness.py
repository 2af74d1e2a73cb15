"""What `/readyz` checks: can this process serve requests and queue work right now?

Each check returns None when fine, or the reason it is not, in a line a person can act on.
Each is bounded in time (the database's and Redis' connect timeouts), so a dead dependency
makes the probe answer 503 with the reason instead of hanging it.
"""

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from devcenter.celery import app

_migrations_applied = False  # once true it stays true for this process (its code is fixed)


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300]


def database() -> str | None:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        connections[DEFAULT_DB_ALIAS].close()  # the next probe connects again
        return _reason(exc)
    return None


def migrations() -> str | None:
    global _migrations_applied
    if _migrations_applied:
        return None
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return _reason(exc)
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:3])
        more = f" and {len(plan) - 3} more" if len(plan) > 3 else ""
        return f"{len(plan)} migrations not applied ({names}{more}): run `python manage.py migrate`"
    _migrations_applied = True
    return None


def cache_reachable() -> str | None:
    try:
        cache.set("devcenter:readyz", "1", timeout=10)
        if cache.get("devcenter:readyz") != "1":
            return "the cache does not keep what is written to it"
    except Exception as exc:
        return _reason(exc)
    return None


def broker() -> str | None:
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=0, timeout=2)
    except Exception as exc:
        return _reason(exc)
    return None


# The database first: migrations are read from it.
CHECKS = {"database": database, "migrations": migrations, "cache": cache_reachable, "broker": broker}


def failures() -> dict[str, str]:
    """{check: reason} of the checks that fail (migrations only asked when the database answers)."""
    failed = {}
    for name, check in CHECKS.items():
        if name == "migrations" and "database" in failed:
            continue
        reason = check()
        if reason:
            failed[name] = reason
    return failed
