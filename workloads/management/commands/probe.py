"""`python manage.py probe worker|watcher`: exit 1 when that process's heartbeat is stale.

The manifests' livenessProbe runs it in the pod; the kubelet restarts a container whose
process stopped beating (a wedged event loop, a stuck watch loop) though it did not exit.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from devcenter import heartbeat

HEARTBEAT_FILES = {"worker": "WORKER_HEARTBEAT_FILE", "watcher": "WATCH_HEARTBEAT_FILE"}


class Command(BaseCommand):
    help = "Exit non-zero when the worker's or the watcher's heartbeat file is missing or stale."
    requires_system_checks = []  # a probe answers fast and reads no database

    def add_arguments(self, parser):
        parser.add_argument("process", choices=sorted(HEARTBEAT_FILES))
        parser.add_argument(
            "--max-age", type=float, default=None,
            help="Seconds a heartbeat stays fresh (default HEARTBEAT_STALE_SECONDS).",
        )

    def handle(self, *args, process, max_age, **options):
        path = getattr(settings, HEARTBEAT_FILES[process])
        limit = max_age if max_age is not None else settings.HEARTBEAT_STALE_SECONDS
        seconds = heartbeat.age(path)
        if seconds is None:
            raise CommandError(f"{process}: no heartbeat in {path} (not started, or cannot write it)")
        if seconds > limit:
            raise CommandError(f"{process}: last heartbeat {seconds:.0f} s ago in {path} (limit {limit:.0f} s)")
        self.stdout.write(f"{process}: alive (heartbeat {seconds:.1f} s ago)")
