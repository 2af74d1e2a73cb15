"""One pod's life on a node, as pure functions of the pod, the time it was bound and the clock.

kubesim's simulated kubelet and the genuine tier's stand-in kubelet (tests/contract/genuine)
both report what this module computes, so a workload behaves alike on both tiers by
construction. Pod annotations (on the pod, or on a workload's pod template) drive it:

| annotation                      | effect                                                               |
|---------------------------------|----------------------------------------------------------------------|
| kubesim.io/start-seconds        | containers start N s after the pod is bound (default 1)              |
| kubesim.io/run-seconds          | each container run lasts N s (absent: runs until deleted)            |
| kubesim.io/exit-code            | exit code of a run: 0 -> Succeeded, else Failed (default 0)           |
| kubesim.io/ready-seconds        | Ready N s after a container starts (default 0)                       |
| kubesim.io/image-pull-failure   | "true": stays Pending, waiting ErrImagePull then ImagePullBackOff    |
|                                 | (so does any image named `does-not-exist`)                           |
| kubesim.io/crash-loop           | "true": every run exits at once: CrashLoopBackOff, restartCount grows |
| kubesim.io/memory-usage         | memory a run uses (e.g. 9Gi): over a container's memory limit, each  |
|                                 | run is OOMKilled (exit 137) after 1 s and restarts (CrashLoopBackOff) |
| kubesim.io/probe-failure        | "true": the readiness probe always fails (Running, never Ready)      |
| kubesim.io/log-lines-per-second | log growth per container run (default 1): `<pod>/<container> log line <i>` |
| kubesim.io/termination-seconds  | a deleted pod's containers take N s to exit on SIGTERM (default 0),   |
|                                 | at most the pod's deletion grace period                              |
| kubesim.io/node-lost-seconds    | N s after the containers start, the pod's node stops reporting (its  |
|                                 | kubelet goes down; kubesim only: the stand-in has `go_down()`)        |

The restart policy decides what an exit means, as on a kubelet: `Never` -> the pod ends;
`OnFailure` -> an exit 0 ends it, any other code restarts the container; `Always` -> every exit
restarts it. Restarts back off `CRASH_PERIOD` seconds (CrashLoopBackOff) and the pod stays
Running. Each run writes its own log (`previous=true` reads the one before).
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from kubesim.quantities import parse_quantity

START_SECONDS = "kubesim.io/start-seconds"
RUN_SECONDS = "kubesim.io/run-seconds"
EXIT_CODE = "kubesim.io/exit-code"
READY_SECONDS = "kubesim.io/ready-seconds"
IMAGE_PULL_FAILURE = "kubesim.io/image-pull-failure"
CRASH_LOOP = "kubesim.io/crash-loop"
LOG_RATE = "kubesim.io/log-lines-per-second"
TERMINATION_SECONDS = "kubesim.io/termination-seconds"
NODE_LOST_SECONDS = "kubesim.io/node-lost-seconds"
MEMORY_USAGE = "kubesim.io/memory-usage"
PROBE_FAILURE = "kubesim.io/probe-failure"
MISSING_IMAGE = "does-not-exist"
OOM_EXIT_CODE = 137
CRASH_PERIOD = 10.0  # the kubelet's first restart back-off
IMAGE_PULL_BACKOFF_AFTER = 5.0  # ErrImagePull first, ImagePullBackOff afterwards
MAX_LOG_LINES = 100_000  # a request without tailLines still answers in bounded time


def rfc3339(when: float) -> str:
    return datetime.fromtimestamp(int(when), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339_nano(when: float) -> str:
    """Timestamp format of `kubectl logs --timestamps`."""
    whole = int(when)
    nanos = int(round((when - whole) * 1e9))
    if nanos >= 1_000_000_000:
        whole, nanos = whole + 1, nanos - 1_000_000_000
    return datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{nanos:09d}Z"


def number(annotations: dict, key: str, default):
    try:
        return float(annotations[key])
    except (KeyError, TypeError, ValueError):
        return default


class LogUnavailable(Exception):
    """The kubelet cannot serve this log (400 with this message, as a kubelet answers)."""


@dataclass(frozen=True)
class Run:
    """One run of the pod's containers: attempt `index`, from `start` to `end` (None: still going)."""

    index: int
    start: float
    end: float | None


@dataclass(frozen=True)
class Timeline:
    """When a bound pod's containers start, get ready, exit and restart (from its annotations)."""

    bound_at: float
    start_at: float
    ready_delay: float
    run_for: float | None  # None: a run lasts until the pod is deleted
    exit_code: int
    image_pull_failure: bool
    restarts: bool  # an exit restarts the container (crash loop, Always, OnFailure + failure)
    log_rate: float
    lost_after: float | None = None  # node-lost-seconds
    oom_killed: bool = False  # memory-usage over a limit: every run ends OOMKilled
    probe_failure: bool = False

    @classmethod
    def of(cls, pod: dict, bound_at: float) -> "Timeline":
        annotations = pod["metadata"].get("annotations") or {}
        policy = (pod.get("spec") or {}).get("restartPolicy") or "Always"
        run = number(annotations, RUN_SECONDS, None)
        exit_code = int(number(annotations, EXIT_CODE, 0))
        crash_loop = annotations.get(CRASH_LOOP) == "true"
        oom = over_memory_limit(pod, annotations.get(MEMORY_USAGE))
        if crash_loop:
            run, exit_code = 0.0, exit_code or 1
        if oom:
            crash_loop, run, exit_code = True, 1.0, OOM_EXIT_CODE
        restarts = crash_loop or (run is not None and (policy == "Always" or (policy == "OnFailure" and exit_code)))
        lost = number(annotations, NODE_LOST_SECONDS, None)
        return cls(
            bound_at=bound_at,
            start_at=bound_at + max(0.0, number(annotations, START_SECONDS, 1.0)),
            ready_delay=max(0.0, number(annotations, READY_SECONDS, 0.0)),
            run_for=None if run is None else max(0.0, run),
            exit_code=exit_code,
            image_pull_failure=annotations.get(IMAGE_PULL_FAILURE) == "true" or any(
                MISSING_IMAGE in str(c.get("image", "")) for c in (pod.get("spec") or {}).get("containers") or []),
            restarts=bool(restarts),
            log_rate=max(0.0, number(annotations, LOG_RATE, 1.0)),
            lost_after=None if lost is None else max(0.0, lost),
            oom_killed=oom,
            probe_failure=annotations.get(PROBE_FAILURE) == "true",
        )

    def started(self, now: float) -> bool:
        return not self.image_pull_failure and now >= self.start_at

    def run_at(self, now: float) -> Run:
        """The run under way at `now`, or the last one that ended."""
        if not self.restarts:
            return Run(0, self.start_at, None if self.run_for is None else self.start_at + self.run_for)
        cycle = self.run_for + CRASH_PERIOD
        index = max(0, int((now - self.start_at) // cycle))
        start = self.start_at + index * cycle
        return Run(index, start, start + self.run_for)

    def run(self, index: int) -> Run:
        if not self.restarts:
            return self.run_at(self.start_at)
        start = self.start_at + index * (self.run_for + CRASH_PERIOD)
        return Run(index, start, start + self.run_for)

    def finished(self, now: float) -> bool:
        """The pod is over for good (Succeeded or Failed)."""
        return not self.restarts and self.run_for is not None and self.started(now) and now >= self.start_at + self.run_for

    @property
    def lost_at(self) -> float | None:
        return None if self.lost_after is None else self.start_at + self.lost_after

    def log_count(self, run: Run, now: float) -> int:
        """How many log lines `run` has written by `now`."""
        if self.log_rate <= 0 or now < run.start:
            return 0
        end = now if run.end is None else min(now, run.end)
        return max(0, math.floor((end - run.start) * self.log_rate + 1e-9))

    def next_change(self, now: float) -> float | None:
        """When the reported status next changes (None: never by itself)."""
        candidates = [self.start_at, self.lost_at]
        if self.image_pull_failure:
            candidates = [self.start_at, self.start_at + IMAGE_PULL_BACKOFF_AFTER]
        elif now >= self.start_at:
            run = self.run_at(now)
            candidates += [run.start + self.ready_delay, run.end]
            if self.restarts:
                candidates.append(self.run(run.index + 1).start)
        future = [when for when in candidates if when is not None and when > now]
        return min(future) if future else None


def over_memory_limit(pod: dict, usage) -> bool:
    """The annotated memory usage exceeds some container's memory limit."""
    if not usage:
        return False
    try:
        used = parse_quantity(str(usage))
        for container in (pod.get("spec") or {}).get("containers") or []:
            limit = ((container.get("resources") or {}).get("limits") or {}).get("memory")
            if limit is not None and used > parse_quantity(str(limit)):
                return True
    except (ValueError, TypeError):
        return False
    return False


def termination_due(pod: dict, deleting_since: float) -> float:
    """When a deleted pod's containers have exited: termination-seconds, at most the grace period."""
    metadata = pod["metadata"]
    grace = metadata.get("deletionGracePeriodSeconds")
    grace = 30 if grace is None else grace
    wanted = number(metadata.get("annotations") or {}, TERMINATION_SECONDS, 0.0)
    return deleting_since + max(0.0, min(wanted, grace))


def _container_ids(uid: str, name: str, image: str, attempt: int) -> tuple[str, str]:
    digest = hashlib.sha256(f"{uid}/{name}/{attempt}".encode()).hexdigest()
    image_digest = hashlib.sha256(image.encode()).hexdigest()
    return f"containerd://{digest}", f"docker.io/library/{image.split(':')[0]}@sha256:{image_digest}"


def pod_condition(kind: str, ok: bool, since: float, reason: str = "", message: str = "") -> dict:
    condition = {"type": kind, "status": "True" if ok else "False", "lastProbeTime": None,
                 "lastTransitionTime": rfc3339(since)}
    if reason and not ok:
        condition["reason"] = reason
    if message and not ok:
        condition["message"] = message
    return condition


def _terminated(t: Timeline, run: Run, container_id: str) -> dict:
    reason = "OOMKilled" if t.oom_killed else "Completed" if t.exit_code == 0 else "Error"
    return {"exitCode": t.exit_code, "reason": reason,
            "startedAt": rfc3339(run.start), "finishedAt": rfc3339(run.end), "containerID": container_id}


def container_status(pod: dict, container: dict, t: Timeline, now: float) -> dict:
    meta = pod["metadata"]
    name, image = container["name"], container.get("image", "")
    status = {"name": name, "image": image, "imageID": "", "ready": False, "restartCount": 0,
              "started": False, "state": {}, "lastState": {}}
    if t.image_pull_failure and now >= t.start_at:
        backoff = now >= t.start_at + IMAGE_PULL_BACKOFF_AFTER
        status["state"] = {"waiting": {
            "reason": "ImagePullBackOff" if backoff else "ErrImagePull",
            "message": f'Back-off pulling image "{image}": image not found' if backoff
            else f'rpc error: code = NotFound desc = failed to pull and unpack image "{image}": image not found',
        }}
        return status
    if not t.started(now):
        status["state"] = {"waiting": {"reason": "ContainerCreating"}}
        return status
    run = t.run_at(now)
    container_id, image_id = _container_ids(meta["uid"], name, image, run.index)
    status["imageID"] = image_id
    running = run.end is None or now < run.end
    if running:
        status.update(containerID=container_id, ready=not t.probe_failure and now >= run.start + t.ready_delay,
                      started=True,
                      restartCount=run.index)
        status["state"] = {"running": {"startedAt": rfc3339(run.start)}}
        if run.index:
            previous = t.run(run.index - 1)
            status["lastState"] = {"terminated": _terminated(t, previous, _container_ids(
                meta["uid"], name, image, previous.index)[0])}
    elif t.restarts:
        status.update(restartCount=run.index + 1)
        status["state"] = {"waiting": {
            "reason": "CrashLoopBackOff",
            "message": f"back-off {int(CRASH_PERIOD)}s restarting failed container={name} "
                       f"pod={meta['name']}_{meta.get('namespace', '')}({meta['uid']})",
        }}
        status["lastState"] = {"terminated": _terminated(t, run, container_id)}
    else:
        status["containerID"] = container_id
        status["state"] = {"terminated": _terminated(t, run, container_id)}
    return status


def pod_status(pod: dict, t: Timeline, now: float, host_ip: str, pod_ip: str, *,
               ready_to_start_condition: bool = False) -> dict:
    """The status a kubelet reports for `pod` at `now` (without `qosClass`, set at creation).

    `ready_to_start_condition`: newer kubelets (1.29+) also report PodReadyToStartContainers.
    """
    spec = pod.get("spec") or {}
    started, finished = t.started(now), t.finished(now)
    statuses = [container_status(pod, container, t, now) for container in spec.get("containers") or []]
    if finished:
        phase = "Succeeded" if t.exit_code == 0 else "Failed"
    else:
        phase = "Running" if started else "Pending"
    ready = bool(statuses) and all(s["ready"] for s in statuses)
    not_ready = [s["name"] for s in statuses if not s["ready"]]
    reason = "PodCompleted" if finished else "ContainersNotReady"
    message = "" if finished else f"containers with unready status: [{' '.join(not_ready)}]"
    run = t.run_at(now)
    if ready:
        since = run.start + t.ready_delay
    elif finished or (started and run.end is not None and now >= run.end):
        since = run.end
    elif started:
        since = run.start
    else:
        since = t.bound_at
    conditions = [
        pod_condition("Initialized", True, t.bound_at),
        pod_condition("Ready", ready, since, reason, message),
        pod_condition("ContainersReady", ready, since, reason, message),
        pod_condition("PodScheduled", True, t.bound_at),
    ]
    if ready_to_start_condition:
        conditions.insert(0, pod_condition("PodReadyToStartContainers", started and not finished,
                                           t.start_at if started else t.bound_at))
    status = {
        "phase": phase,
        "conditions": conditions,
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "podIP": pod_ip,
        "podIPs": [{"ip": pod_ip}],
        "startTime": rfc3339(t.bound_at),
        "containerStatuses": statuses,
    }
    return status


# --- logs -------------------------------------------------------------------------------

def log_run(pod: dict, container: str, t: Timeline, now: float, previous: bool) -> Run:
    """Which run's log a kubelet serves, or LogUnavailable with the kubelet's message."""
    pod_name = pod["metadata"]["name"]
    run = t.run_at(now)
    running = t.started(now) and (run.end is None or now < run.end)
    if previous:
        if t.restarts and t.started(now) and (run.index or not running):
            return t.run(run.index - 1) if running else run
        raise LogUnavailable(f'previous terminated container "{container}" in pod "{pod_name}" not found')
    if t.started(now):
        return run
    if t.image_pull_failure:
        why = "trying and failing to pull image" if now >= t.start_at + IMAGE_PULL_BACKOFF_AFTER \
            else "image can't be pulled"
    else:
        why = "ContainerCreating"
    raise LogUnavailable(f'container "{container}" in pod "{pod_name}" is waiting to start: {why}')


def log_window(t: Timeline, run: Run, now: float, tail_lines: int | None, since_seconds: float | None) -> tuple[int, int]:
    """(first, last): the log lines first+1..last of `run` that a read returns."""
    last = t.log_count(run, now)
    first = 0
    if since_seconds is not None and t.log_rate > 0:
        first = max(first, math.ceil((now - since_seconds - run.start) * t.log_rate - 1e-9) - 1)
    if tail_lines is not None:
        first = max(first, last - tail_lines)
    first = max(first, last - MAX_LOG_LINES, 0)
    return min(first, last), last


def log_lines(pod_name: str, container: str, t: Timeline, run: Run, first: int, last: int,
              timestamps: bool = False) -> bytes:
    """Lines first+1..last of a run: `<pod>/<container> log line <i>`, optionally time-stamped."""
    prefix = f"{pod_name}/{container} log line "
    out = []
    for index in range(first + 1, last + 1):
        line = f"{prefix}{index}\n"
        if timestamps:
            line = f"{rfc3339_nano(run.start + index / t.log_rate)} {line}"
        out.append(line)
    return "".join(out).encode()
