"""Pod logs, as the API server serves them through the node's kubelet: deterministic lines
computed from the pod's life (`podlife`), never stored.

- a pod not bound to a node has no log yet: 204 No Content (an empty body);
- a node whose kubelet does not answer: 500, the proxy's connection error;
- otherwise the kubelet's answer: the lines of the container's current run (or, with
  `previous=true`, the run before), or 400 with the kubelet's reason (waiting to start, no
  previous run). Line i of a run appears at `start + i / rate` and reads
  `<pod>/<container> log line <i>`; `timestamps=true` prefixes it with an RFC3339Nano time.
"""

import time
from dataclasses import dataclass

from kubesim.clock import parse_rfc3339
from kubesim.errors import ApiError, bad_request
from kubesim.podlife import LogUnavailable, log_lines, log_run, log_window, termination_due

FOLLOW_POLL = 0.1
KUBELET_PORT = 10250


@dataclass(frozen=True)
class LogOptions:
    container: str
    tail_lines: int | None
    since_seconds: float | None
    timestamps: bool
    limit_bytes: int | None
    previous: bool


def _int(query: dict, key: str) -> int | None:
    value = query.get(key)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise bad_request(f'strconv.ParseInt: parsing "{value}": invalid syntax') from None


def _stopped(pod: dict, now: float) -> bool:
    """A deleted pod's containers have exited (SIGTERM): its log ends."""
    metadata = pod["metadata"]
    if not metadata.get("deletionTimestamp"):
        return False
    deleted_at = parse_rfc3339(metadata["deletionTimestamp"]) - (metadata.get("deletionGracePeriodSeconds") or 0)
    return now >= termination_due(pod, deleted_at)


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
                          query.get("timestamps") in ("true", "1"), _int(query, "limitBytes"),
                          query.get("previous") in ("true", "1"))

    def _kubelet(self, pod: dict, options: LogOptions) -> bool:
        """False: the pod is not on a node yet (no log). Raises 500 when its kubelet does not answer."""
        node = pod["spec"].get("nodeName")
        if not node:
            return False
        kubelets = self.sim.controllers.kubelets
        if not kubelets.answers(node):
            meta = pod["metadata"]
            address = kubelets.node_ip(node)
            url = f"https://{address}:{KUBELET_PORT}/containerLogs/{meta['namespace']}/{meta['name']}/{options.container}"
            raise ApiError(500, f'Get "{url}": dial tcp {address}:{KUBELET_PORT}: connect: connection refused', "")
        return True

    def _run(self, pod: dict, options: LogOptions, now: float):
        t = self.sim.controllers.kubelets.timeline(pod)
        try:
            return t, log_run(pod, options.container, t, now, options.previous)
        except LogUnavailable as error:
            raise bad_request(str(error)) from None

    def read(self, pod: dict, options: LogOptions) -> bytes | None:
        """The log text; None when the pod has no node yet (204)."""
        if not self._kubelet(pod, options):
            return None
        now = self.sim.clock.now()
        t, run = self._run(pod, options, now)
        first, last = log_window(t, run, now, options.tail_lines, options.since_seconds)
        data = log_lines(pod["metadata"]["name"], options.container, t, run, first, last, options.timestamps)
        if options.limit_bytes is not None:
            data = data[: options.limit_bytes]
        return data

    def follow(self, pod: dict, options: LogOptions, client_gone):
        """An iterator of log text chunks: what exists now, then new lines until the run ends,
        the pod goes away or the client disconnects. None when the pod has no node yet (204);
        errors are raised here, before anything is streamed."""
        if not self._kubelet(pod, options):
            return None
        now = self.sim.clock.now()
        t, run = self._run(pod, options, now)
        return self._stream(pod, options, client_gone, t, run, now)

    def _stream(self, pod: dict, options: LogOptions, client_gone, t, run, now: float):
        first, last = log_window(t, run, now, options.tail_lines, options.since_seconds)
        name = pod["metadata"]["name"]
        sent_bytes = 0
        budget = options.limit_bytes
        chunk = log_lines(name, options.container, t, run, first, last, options.timestamps)
        while True:
            if budget is not None:
                chunk = chunk[: max(0, budget - sent_bytes)]
            if chunk:
                sent_bytes += len(chunk)
                yield chunk
            if budget is not None and sent_bytes >= budget:
                return
            now = self.sim.clock.now()
            if options.previous or (run.end is not None and now >= run.end and t.log_count(run, now) <= last):
                return
            time.sleep(FOLLOW_POLL)
            if client_gone():
                return
            current = self.sim.store.get("Pod", pod["metadata"].get("namespace", ""), name)
            if current is None or current["metadata"]["uid"] != pod["metadata"]["uid"] or _stopped(current, now):
                return
            newest = t.log_count(run, self.sim.clock.now())
            chunk = log_lines(name, options.container, t, run, last, newest, options.timestamps)
            last = newest
