"""`python manage.py watch_clusters`: keep statuses current from the clusters' watches.

Runs until SIGTERM or SIGINT (Ctrl-C), then closes its watches and exits 0. See
`workloads/sync/watcher.py` for what it does; the beat refresh keeps running beside it.
"""

import logging
import signal

from django.core.management.base import BaseCommand

from workloads.sync.watcher import Watcher

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Watch every cluster and store status changes as they happen (until SIGTERM)."

    def handle(self, *args, **options):
        watcher = Watcher()

        def stop(signum, frame):
            logger.info("watch_clusters: %s received, stopping", signal.Signals(signum).name)
            watcher.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        logger.info("watch_clusters: started (batches every %.2f s)", watcher.batch_seconds)
        watcher.run()
        logger.info("watch_clusters: stopped")
