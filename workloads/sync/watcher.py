"""The cluster watcher (`python manage.py watch_clusters`): statuses within seconds of a change.

One process. For each registered cluster with projects on it, one informer per kind (a thread:
LIST, then WATCH with the refresh's label selector; `cluster/informer.py`) keeps an
`ObjectCache` of the cluster current. Every `WATCH_BATCH_SECONDS` the changes gathered since
the last batch are reconciled (`incremental.apply_changes`: the refresh's rules and write path,
under its per-cluster lock, one transaction), once every informer of the cluster has listed
(before that a missing kind would read as objects gone). The first batch after start is
therefore a full reconcile: what changed while no watcher ran is caught up.

One more informer per cluster watches its Warning Events (every namespace, `type=Warning`,
into an `EventCache`); each batch then diagnoses again, through the refresh's diagnosis path
(`incremental.diagnose_changes`), the workloads that changed objects or Events concern: an
Event counts only in its workload's own namespace. An Event that comes before the object it is
about waits for it `OWNER_GRACE_SECONDS`.

The Celery beat refresh stays as it is: the periodic resync, and the fallback when this
process is down. The Cluster table (and its quotas) is read again every
`WATCH_POLL_CLUSTERS_SECONDS`: a cluster added, removed, or whose connection or projects
changed is watched anew. A cluster whose watches fail is marked unreachable as the refresh
marks it, and reachable again once they work. Each loop touches `WATCH_HEARTBEAT_FILE` (the
deploy's liveness probe reads its age).
"""

import logging
import os
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from devcenter import heartbeat
from projects.models import Cluster, Quota
from workloads.cluster import ClusterGateway, ClusterUnreachable, project_selector
from workloads.cluster.event_cache import EventCache
from workloads.cluster.informer import Informer, WarningEventInformer
from workloads.cluster.kinds import KINDS
from workloads.cluster.object_cache import ObjectCache
from workloads.sync.incremental import OWNER_GRACE_SECONDS, apply_changes, diagnose_changes
from workloads.sync.reconcile import ProjectNamespace
from workloads.sync.refresh import mark_unreachable

logger = logging.getLogger(__name__)

# The connection settings of a cluster: a change to any of them means watching it anew.
CONNECTION_FIELDS = ("name", "kubeconfig", "context", "api_url", "token", "verify_ssl", "in_cluster")


@dataclass(frozen=True)
class WatchTarget:
    """What to watch on one cluster: how to reach it, and which projects live where."""

    cluster_id: int
    connection: tuple
    namespaces: tuple[tuple[str, ProjectNamespace], ...]

    @property
    def name(self) -> str:
        return self.connection[0]

    @property
    def namespace_map(self) -> dict[str, ProjectNamespace]:
        return dict(self.namespaces)


def watch_targets() -> dict[int, WatchTarget]:
    """Every cluster with at least one project on it (two queries)."""
    namespaces = {}
    for quota in Quota.objects.select_related("project").order_by("cluster_id", "project__name"):
        namespaces.setdefault(quota.cluster_id, []).append(
            (quota.project.name, ProjectNamespace(quota.project_id, quota.effective_namespace))
        )
    return {
        cluster.pk: WatchTarget(
            cluster.pk, tuple(getattr(cluster, f) for f in CONNECTION_FIELDS), tuple(namespaces[cluster.pk])
        )
        for cluster in Cluster.objects.filter(pk__in=list(namespaces))
    }


class ClusterWatch:
    """The informers of one cluster, their cache, and the batches of changes they make."""

    def __init__(self, target: WatchTarget, cluster: Cluster):
        self.target = target
        self.cache = ObjectCache()
        # The Warning Events of the projects' namespaces (watched across every namespace).
        self.events = EventCache(project.namespace for project in target.namespace_map.values())
        self._unmatched_since: dict[str, float] = {}  # Event uid -> when it first found no object
        self.failures: dict[str, str] = {}  # kind -> why its watch fails
        self.marked_unreachable = ""  # the reason last recorded on the cluster row
        self.applied = 0  # batches written
        selector = project_selector(target.namespace_map)
        # A gateway per informer: each keeps one watch open on its own connection pool.
        self.informers = [
            Informer(
                ClusterGateway.for_cluster(cluster),
                kind,
                selector,
                self.cache,
                page_size=settings.CLUSTER_LIST_PAGE_SIZE,
                watch_seconds=settings.WATCH_TIMEOUT_SECONDS,
                on_status=self._status_of(kind.name),
            )
            for kind in KINDS
        ]
        # One more watch: the cluster's Warning Events (why workloads wait), by the same rules.
        self.informers.append(WarningEventInformer(
            ClusterGateway.for_cluster(cluster),
            self.events,
            page_size=settings.CLUSTER_EVENTS_PAGE_SIZE,
            watch_seconds=settings.WATCH_TIMEOUT_SECONDS,
            on_status=self._status_of(WarningEventInformer.name),
        ))
        self._threads = [
            threading.Thread(target=i.run, name=f"watch-{target.name}-{i.name}", daemon=True)
            for i in self.informers
        ]
        self._lock = threading.Lock()

    def _status_of(self, kind_name):
        def report(ok: bool, message: str) -> None:
            with self._lock:
                if ok:
                    self.failures.pop(kind_name, None)
                else:
                    self.failures[kind_name] = message

        return report

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        for informer in self.informers:
            informer.stop()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        for informer in self.informers:
            informer.gateway.close()

    @property
    def synced(self) -> bool:
        return all(informer.synced.is_set() for informer in self.informers)

    @property
    def lists(self) -> int:
        return sum(informer.lists for informer in self.informers)

    def apply_pending(self):
        """Reconcile the changes gathered since the last batch (once every kind has listed), then
        diagnose again the workloads that changed objects or Events concern."""
        if not self.synced or not (self.cache.pending() or self.events.pending()):
            return None
        changed = self.cache.take_changes()
        result = None
        if changed:
            try:
                result = apply_changes(self.target.cluster_id, self.target.namespace_map, self.cache, changed)
            except BaseException:
                self.cache.give_back(changed)
                raise
            if result is None:  # a refresh holds the cluster's lock: after it
                self.cache.give_back(changed)
                return None
            self.applied += 1
        self._diagnose(changed)
        return result

    def _diagnose(self, changed_objects) -> None:
        changed_events = self.events.take_changes()
        try:
            diagnosed = diagnose_changes(
                self.target.cluster_id, self.target.namespace_map, self.cache, self.events, changed_objects,
                changed_events,
            )
        except BaseException:
            self.events.give_back(changed_events)
            raise
        if diagnosed is None:  # a refresh holds the lock: it diagnoses everything from its own LIST
            return
        # An Event may come in before the object it is about: it waits for it a little.
        now = time.monotonic()
        waiting = []
        for event in diagnosed.unmatched:
            since = self._unmatched_since.setdefault(event.uid, now)
            if now - since < OWNER_GRACE_SECONDS:
                waiting.append(event)
            else:
                self._unmatched_since.pop(event.uid, None)
        matched = {event.uid for event in changed_events} - {event.uid for event in waiting}
        for uid in matched:
            self._unmatched_since.pop(uid, None)
        if waiting:
            self.events.give_back(waiting)

    def record_reachability(self) -> None:
        """Mark the cluster as the refresh would: unreachable while a watch fails, then reachable."""
        with self._lock:
            failure = next(iter(self.failures.values()), None)
        if failure is not None and failure != self.marked_unreachable:
            mark_unreachable(self.target.cluster_id, failure)
            self.marked_unreachable = failure
        elif failure is None and self.marked_unreachable and self.synced:
            Cluster.objects.filter(pk=self.target.cluster_id).update(
                reachable=True, unreachable_since=None, last_error="", last_seen_at=timezone.now()
            )
            self.marked_unreachable = ""


def _drop_broken_connections() -> None:
    """A database restarted meanwhile: the next query reconnects. (Inside a transaction, as a
    test runs the loop, the connection is the caller's to keep.)"""
    if not connection.in_atomic_block:
        close_old_connections()


class Watcher:
    """Every cluster's `ClusterWatch`, the batch loop and the heartbeat (see the module)."""

    def __init__(
        self,
        *,
        batch_seconds: float | None = None,
        poll_seconds: float | None = None,
        heartbeat_file: str | os.PathLike | None = None,
    ):
        self.batch_seconds = batch_seconds if batch_seconds is not None else settings.WATCH_BATCH_SECONDS
        self.poll_seconds = poll_seconds if poll_seconds is not None else settings.WATCH_POLL_CLUSTERS_SECONDS
        self.heartbeat_file = heartbeat_file or settings.WATCH_HEARTBEAT_FILE
        self.watches: dict[int, ClusterWatch] = {}
        self.stopping = threading.Event()
        self._polled_at = float("-inf")

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        """Until `stop()` (the command's SIGTERM): watch, apply batches, beat."""
        try:
            while not self.stopping.is_set():
                self.run_once()
                self.stopping.wait(self.batch_seconds)
        finally:
            for watch in self.watches.values():
                watch.stop()
            self.watches.clear()
            _drop_broken_connections()

    def run_once(self) -> None:
        if time.monotonic() - self._polled_at >= self.poll_seconds:
            _drop_broken_connections()
            self._follow_clusters()
            self._polled_at = time.monotonic()
        for watch in list(self.watches.values()):
            try:
                watch.apply_pending()
                watch.record_reachability()
            except DatabaseError:
                logger.exception("changes of cluster %s could not be written; trying again", watch.target.name)
                _drop_broken_connections()
        self.beat()

    def _follow_clusters(self) -> None:
        """Watch the clusters as the table has them now."""
        try:
            targets = watch_targets()
        except DatabaseError:
            logger.exception("clusters could not be read; watching those known")
            return
        for cluster_id, watch in list(self.watches.items()):
            if targets.get(cluster_id) != watch.target:
                logger.info("cluster %s removed or changed: its watches stop", watch.target.name)
                watch.stop()
                del self.watches[cluster_id]
        fresh = [target for cluster_id, target in targets.items() if cluster_id not in self.watches]
        rows = Cluster.objects.in_bulk([target.cluster_id for target in fresh])
        for target in fresh:
            try:
                watch = ClusterWatch(target, rows[target.cluster_id])
            except ClusterUnreachable as exc:  # its settings cannot be used: again next poll
                mark_unreachable(target.cluster_id, exc.message)
                continue
            watch.start()
            self.watches[target.cluster_id] = watch
            logger.info("watching cluster %s (%d kinds and its Warning Events)", target.name, len(watch.informers) - 1)

    def beat(self) -> None:
        """Touch the heartbeat file (`devcenter.heartbeat`; `manage.py probe watcher` reads it)."""
        try:
            heartbeat.beat(self.heartbeat_file)
        except OSError:
            logger.exception("heartbeat file %s could not be written", self.heartbeat_file)
