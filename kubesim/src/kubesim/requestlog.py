"""The request log: every request the server answered, so tests can count API calls
("one LIST per kind") without a proxy."""

import threading
from collections import deque
from typing import NamedTuple


class Request(NamedTuple):
    method: str
    path: str
    query: dict  # parameter -> last value

    @property
    def is_watch(self) -> bool:
        return self.query.get("watch") in ("true", "1")


class RequestLog:
    """The most recent `max_size` requests (bounded so a long `make run` does not grow), and
    `total`, the number of requests since the last clear."""

    def __init__(self, max_size: int = 200_000):
        self._lock = threading.Lock()
        self._items: deque[Request] = deque(maxlen=max_size)
        self.total = 0

    def append(self, method: str, path: str, query: dict) -> None:
        with self._lock:
            self._items.append(Request(method, path, query))
            self.total += 1

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.total = 0

    def __iter__(self):
        return iter(self.snapshot())

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __getitem__(self, index):
        with self._lock:
            return self._items[index]

    def snapshot(self) -> list[Request]:
        with self._lock:
            return list(self._items)

    def count(self, method: str | None = None, path: str | None = None, **query) -> int:
        """Requests with this method, this exact path, and these query values."""
        return len(self.matching(method, path, **query))

    def matching(self, method: str | None = None, path: str | None = None, **query) -> list[Request]:
        return [
            request for request in self.snapshot()
            if (method is None or request.method == method.upper())
            and (path is None or request.path == path)
            and all(request.query.get(key) == value for key, value in query.items())
        ]
