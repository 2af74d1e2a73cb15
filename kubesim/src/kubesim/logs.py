"""Pod logs: deterministic lines computed from the pod's timeline, never stored.

Line i (1-based) of a container appears at `start + i / rate` seconds and reads
`<pod>/<container> log line <i>`; `timestamps=true` prefixes it with an RFC3339Nano time.
"""

import math
import time
from dataclasses import dataclass

from kubesim.clock import rfc3339_nano
from kubesim.errors import bad_request
from kubesim.kubelet import timeline

MAX_LINES = 100_000  # a request without tailLines still answers in bounded time
FOLLOW_POLL = 0.1


@dataclass(frozen=True)
class LogOptions:
    container: str
    tail_lines: int | None
    since_seconds: float | None
    timestamps: bool
    limit_bytes: int | None


def _int(query: dict, key: str) -> int | None:
    value = query.get(key)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise bad_request(f"invalid {key}: {value!r}") from None


class PodLogs:
    def __init__(self, sim):
        self.sim = sim

    def options(self, pod: dict, query: dict) -> LogOptions:
        names = [c["name"] for c in pod["spec"].get("containers") or []]
        pod_name = pod["metadata"]["name"]
        container = query.get("container")
        if not container:
            if len(names) != 1:
                raise bad_request(f"a container name must be specified for pod {pod_name}, "
                                  f"choose one of: [{' '.join(names)}]")
            container = names[0]
        elif container not in names:
            raise bad_request(f"container {container} is not valid for pod {pod_name}")
        return LogOptions(container, _int(query, "tailLines"), _int(query, "sinceSeconds"),
                          query.get("timestamps") in ("true", "1"), _int(query, "limitBytes"))

    def _check_started(self, pod: dict, options: LogOptions, now: float) -> None:
        t = timeline(pod)
        if not t.started(now):
            why = "trying and failing to pull image" if t.image_pull_failure else "ContainerCreating"
            raise bad_request(f'container "{options.container}" in pod "{pod["metadata"]["name"]}" '
                              f"is waiting to start: {why}")

    @staticmethod
    def _count(t, now: float) -> int:
        if t.log_rate <= 0:
            return 0
        return max(0, math.floor((t.log_end(now) - t.start_at) * t.log_rate + 1e-9))

    def _lines(self, pod: dict, options: LogOptions, first: int, last: int) -> bytes:
        t = timeline(pod)
        prefix = f'{pod["metadata"]["name"]}/{options.container} log line '
        out = []
        for index in range(first + 1, last + 1):
            line = f"{prefix}{index}"
            if options.timestamps:
                line = f"{rfc3339_nano(t.start_at + index / t.log_rate)} {line}"
            out.append(line + "\n")
        return "".join(out).encode()

    def _window(self, pod: dict, options: LogOptions, now: float) -> tuple[int, int]:
        t = timeline(pod)
        last = self._count(t, now)
        first = 0
        if options.since_seconds is not None and t.log_rate > 0:
            first = max(first, math.ceil((now - options.since_seconds - t.start_at) * t.log_rate - 1e-9) - 1)
        if options.tail_lines is not None:
            first = max(first, last - options.tail_lines)
        first = max(first, last - MAX_LINES, 0)
        return min(first, last), last

    def read(self, pod: dict, options: LogOptions) -> bytes:
        now = self.sim.clock.now()
        self._check_started(pod, options, now)
        first, last = self._window(pod, options, now)
        data = self._lines(pod, options, first, last)
        if options.limit_bytes is not None:
            data = data[: options.limit_bytes]
        return data

    def follow(self, pod: dict, options: LogOptions, client_gone):
        """Chunks of log text: what exists now, then new lines until the containers stop,
        the pod goes away or the client disconnects."""
        now = self.sim.clock.now()
        self._check_started(pod, options, now)
        first, last = self._window(pod, options, now)
        sent_bytes = 0
        budget = options.limit_bytes
        chunk = self._lines(pod, options, first, last)
        while True:
            if budget is not None:
                chunk = chunk[: max(0, budget - sent_bytes)]
            if chunk:
                sent_bytes += len(chunk)
                yield chunk
            if budget is not None and sent_bytes >= budget:
                return
            t = timeline(pod)
            now = self.sim.clock.now()
            if t.finished(now) and self._count(t, now) <= last:
                return
            time.sleep(FOLLOW_POLL)
            if client_gone():
                return
            namespace, name = pod["metadata"].get("namespace", ""), pod["metadata"]["name"]
            current = self.sim.store.get("Pod", namespace, name)
            if current is None or current["metadata"]["uid"] != pod["metadata"]["uid"]:
                return
            now = self.sim.clock.now()
            newest = self._count(t, now)
            chunk = self._lines(pod, options, last, newest)
            last = newest
