"""An informer: one kind of one cluster kept current in an `ObjectCache` by LIST + WATCH.

It lists (paged, the refresh's label selector) into the cache and watches from the list's
resourceVersion with bookmarks, applying each event as it comes; a BOOKMARK only moves the
resourceVersion. When the watch ends (the server's `timeoutSeconds`) it watches again from
where it was. On 410 Gone (the history no longer reaches back: an answer or an ERROR event) it
lists again: the cache takes the differences, so nothing that changed meanwhile is lost. On a
dropped connection, a 5xx or a refused connection it waits (capped exponential back-off with
full jitter) and watches again from its last resourceVersion, which the server replays from.
A custom resource the cluster does not serve is listed again now and then.

It runs in a thread of its own (`run` until `stop`); it tells its owner how it is doing
through `on_status(ok, message)` (for the cluster's reachable flag).
"""

import logging
import random
import threading
from collections.abc import Callable

from .errors import ClusterUnreachable, WatchExpired
from .kinds import Kind
from .object_cache import ObjectCache

logger = logging.getLogger(__name__)

BACKOFF_FIRST = 0.5  # seconds before the first reconnect; doubles up to BACKOFF_CAP
BACKOFF_CAP = 30.0
NOT_SERVED_RETRY = 300.0  # seconds between LISTs of a custom resource the cluster does not serve


def backoff_delay(attempt: int, *, first: float = BACKOFF_FIRST, cap: float = BACKOFF_CAP, rng=random) -> float:
    """Full jitter: a random wait below min(cap, first * 2**attempt), so many watchers that lost
    the same server do not come back in step."""
    return rng.uniform(0, min(cap, first * 2 ** max(attempt, 0)))


class Informer:
    def __init__(
        self,
        gateway,
        kind: Kind,
        label_selector: str,
        cache: ObjectCache,
        *,
        page_size: int = 500,
        watch_seconds: int = 300,
        on_status: Callable[[bool, str], None] = lambda ok, message: None,
    ):
        self.gateway = gateway
        self.kind = kind
        self.label_selector = label_selector
        self.cache = cache
        self.page_size = page_size
        self.watch_seconds = watch_seconds
        self.on_status = on_status
        self.resource_version: str | None = None
        self.synced = threading.Event()  # the first LIST is in the cache
        self.lists = 0  # LIST calls made (initial, and after each 410)
        self._stopping = threading.Event()

    @property
    def name(self) -> str:
        return self.kind.name

    def stop(self) -> None:
        self._stopping.set()
        self.gateway.stop_watches()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def run(self) -> None:
        attempt = 0
        while not self.stopping:
            try:
                if self.resource_version is None:
                    if not self._list():
                        self._stopping.wait(NOT_SERVED_RETRY)
                        continue
                    self.on_status(True, "")
                self._watch()
                attempt = 0
            except WatchExpired as exc:
                logger.info("watch of %s expired (%s); listing again", self.name, exc.message)
                self.resource_version = None
            except ClusterUnreachable as exc:
                if self.stopping:
                    break
                delay = backoff_delay(attempt)
                attempt += 1
                logger.warning(
                    "watch of %s on %s failed: %s; again in %.1f s", self.name, exc.cluster, exc.message, delay
                )
                self.on_status(False, exc.message)
                self._stopping.wait(delay)
            except Exception:  # never let one kind's thread die in silence
                logger.exception("watch of %s failed unexpectedly", self.name)
                self.on_status(False, f"watching {self.name} failed unexpectedly")
                self._stopping.wait(backoff_delay(attempt))
                attempt += 1

    def _list(self) -> bool:
        """LIST into the cache; False when the cluster does not serve this kind."""
        self.lists += 1
        objects, version = self._fetch()
        self.cache.replace(self.name, objects)
        self.resource_version = version or None
        self.synced.set()
        return self.resource_version is not None

    def _watch(self) -> None:
        events = self._open_watch()
        reported = False
        try:
            for event in events:
                if self.stopping:
                    return
                if event.object is not None:
                    self.cache.apply(event.type, event.object)
                if event.resource_version:
                    self.resource_version = event.resource_version
                if not reported:  # back after a failure: say so once per watch
                    self.on_status(True, "")
                    reported = True
        finally:
            events.close()

    def _fetch(self) -> tuple[list, str | None]:
        return self.gateway.list_kind(self.kind, self.label_selector, self.page_size)

    def _open_watch(self):
        return self.gateway.watch_kind(self.kind, self.label_selector, self.resource_version, self.watch_seconds)


class WarningEventInformer(Informer):
    """The Warning Events of every namespace of one cluster (`type=Warning`; Events carry no
    project label to select on: the watcher keeps those of its namespaces), kept in an
    `EventCache` as an informer keeps a kind: LIST, WATCH from its resourceVersion, relist on 410."""

    name = "Event"

    def __init__(self, gateway, cache, **options):
        super().__init__(gateway, None, "", cache, **options)

    def _fetch(self):
        return self.gateway.list_all_warning_events(self.page_size)

    def _open_watch(self):
        return self.gateway.watch_warning_events(self.resource_version, self.watch_seconds)
