"""The request log: every request the server answered, so tests can count API calls
("one LIST per kind") without a proxy."""

import threading
from typing import NamedTuple


class Request(NamedTuple):
    method: str
    path: str
    query: dict  # parameter -> last value

    @property
    def is_watch(self) -> bool:
        return self.query.get("watch") in ("true", "1")


class RequestLog:
    def __init__(self):
        self._lock = threading.Lock()
        self._items: list[Request] = []

    def append(self, method: str, path: str, query: dict) -> None:
        with self._lock:
            self._items.append(Request(method, path, query))

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

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
