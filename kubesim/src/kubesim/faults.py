"""Fault injection: make the next N matching requests fail, stall or lose their connection.

    sim.faults.add(method="DELETE", path=r"/pods/", times=2, status=500)
    sim.faults.add(path=r"/api/v1/pods", delay=3)           # slow answer (client timeouts)
    sim.faults.add(path=r"/apis/batch", drop=True, times=5)  # socket closed, no response

Note the kubernetes client (urllib3) retries idempotent requests up to 3 times on a dropped
connection, so use `times` > 3 (or `Configuration.retries = 0`) to see the error surface.
"""

import re
import threading
from dataclasses import dataclass


@dataclass
class Fault:
    method: str | None
    path: re.Pattern
    times: int | None  # None = until cleared
    status: int | None
    message: str
    delay: float
    drop: bool
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method:
            return False
        return bool(self.path.search(path))


class Faults:
    def __init__(self):
        self._lock = threading.Lock()
        self._rules: list[Fault] = []

    def add(self, method: str | None = None, path: str = ".*", times: int | None = 1, status: int | None = None,
            message: str = "injected fault", delay: float = 0.0, drop: bool = False) -> Fault:
        """For the next `times` requests (None = every one) whose method matches and whose path
        matches the regex `path` (searched, not anchored): sleep `delay` seconds, then either
        drop the connection, answer a Status with code `status`, or (neither) serve normally."""
        rule = Fault(method, re.compile(path), times, status, message, delay, drop)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The first active rule matching this request, consuming one of its `times`."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path):
                    rule.hits += 1
                    if rule.times is not None and rule.hits >= rule.times:
                        self._rules.remove(rule)
                    return rule
        return None

    @property
    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._rules)
