"""The gateway's exceptions: what callers catch, in plain words."""


class ClusterUnreachable(Exception):
    """The cluster cannot be read: connection refused, timeout, or an API error on a read.

    Callers keep the last known statuses and mark the cluster unreachable (SPEC.md); Celery
    tasks retry.
    """

    def __init__(self, cluster: str, message: str, status_code: int | None = None):
        self.cluster = cluster
        self.message = message
        self.status_code = status_code
        # Raised by a create: the objects it had created and deleted again, and those it could
        # not delete again ((object, why) pairs).
        self.undone, self.left = (), ()
        super().__init__(f"cluster {cluster!r} cannot be read: {message}")


class CreateFailed(Exception):
    """The API refused to create an object; what this call created was deleted again.

    `undone`: the objects created and deleted again (their ReplicaSets and pods may linger
    while the garbage collector removes them); `left`: (object, why) pairs of those the
    delete failed for, still in the cluster.
    """

    def __init__(
        self,
        message: str,
        status_code: int | None = None,
        kind: str = "",
        name: str = "",
        undone=(),
        left=(),
    ):
        self.message = message
        self.status_code = status_code
        self.kind = kind
        self.name = name
        self.undone = tuple(undone)
        self.left = tuple(left)
        super().__init__(message)


class LogsUnavailable(Exception):
    """The API answered but has no logs to give (pod gone, container not started, ...)."""

    def __init__(self, message: str, status_code: int | None = None):
        self.message = message
        self.status_code = status_code
        super().__init__(message)


class WatchExpired(ClusterUnreachable):
    """A watch's resourceVersion is older than the server's history (410 Gone): list again."""
