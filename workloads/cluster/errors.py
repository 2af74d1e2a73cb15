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
        super().__init__(f"cluster {cluster!r} cannot be read: {message}")


class CreateFailed(Exception):
    """The API refused to create an object; what this call created was deleted again."""

    def __init__(self, message: str, status_code: int | None = None, kind: str = "", name: str = ""):
        self.message = message
        self.status_code = status_code
        self.kind = kind
        self.name = name
        super().__init__(message)


class LogsUnavailable(Exception):
    """The API answered but has no logs to give (pod gone, container not started, ...)."""

    def __init__(self, message: str, status_code: int | None = None):
        self.message = message
        self.status_code = status_code
        super().__init__(message)
