"""A pod's life on the stand-in kubelet, as pure functions (no I/O): scheduling arithmetic
(quantities, requests, tolerations) and the status a 1.20 kubelet would report at a given time.

It follows kubesim's pod annotations (same names, same defaults), so a workload spec behaves
alike on both tiers; the clock starts when the pod is bound, not when it is created.

| annotation (as kubesim)          | here                                                            |
|----------------------------------|-----------------------------------------------------------------|
| kubesim.io/start-seconds         | Running N s after binding (default 1)                           |
| kubesim.io/run-seconds           | containers exit N s after starting; ignored for restartPolicy   |
|                                  | Always (a real kubelet would restart the container)             |
| kubesim.io/exit-code             | 0 -> Succeeded, else Failed (OnFailure: crash loop instead)     |
| kubesim.io/ready-seconds         | Ready N s after starting (default 0)                            |
| kubesim.io/image-pull-failure    | "true": Pending, ErrImagePull then ImagePullBackOff             |
| kubesim.io/crash-loop            | "true": CrashLoopBackOff, restartCount +1 every 10 s            |
| kubesim.io/log-lines-per-second  | log growth (default 1); line i is `<pod>/<container> log line i` |
| kubesim.io/termination-seconds   | a deleted pod stays Terminating N s (default 0), capped by the  |
|                                  | pod's deletionGracePeriodSeconds                                |
| kubesim.io/node-lost-seconds     | not mirrored: stop the whole node with `stop_heartbeats()`      |
"""

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime

START_SECONDS = "kubesim.io/start-seconds"
RUN_SECONDS = "kubesim.io/run-seconds"
EXIT_CODE = "kubesim.io/exit-code"
READY_SECONDS = "kubesim.io/ready-seconds"
IMAGE_PULL_FAILURE = "kubesim.io/image-pull-failure"
CRASH_LOOP = "kubesim.io/crash-loop"
LOG_RATE = "kubesim.io/log-lines-per-second"
TERMINATION_SECONDS = "kubesim.io/termination-seconds"
CRASH_PERIOD = 10.0
IMAGE_PULL_BACKOFF_AFTER = 5.0
SUFFIXES = {"m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
            "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}


def quantity(text) -> float:
    """A Kubernetes quantity ("500m", "32Gi", "1e3") as a number."""
    match = re.fullmatch(r"([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)", str(text).strip())
    if not match or match.group(2) not in ("", *SUFFIXES):
        raise ValueError(f"not a quantity: {text!r}")
    return float(match.group(1)) * SUFFIXES.get(match.group(2), 1)


def rfc3339(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339_nano(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def number(annotations: dict, key: str, default):
    try:
        return float(annotations[key])
    except (KeyError, ValueError):
        return default


def pod_requests(pod: dict) -> dict[str, float]:
    """What the scheduler reserves: containers summed, each init container's at most (max)."""
    spec = pod.get("spec") or {}
    total: dict[str, float] = {"pods": 1}
    for container in spec.get("containers") or []:
        for name, value in ((container.get("resources") or {}).get("requests") or {}).items():
            total[name] = total.get(name, 0) + quantity(value)
    for container in spec.get("initContainers") or []:
        for name, value in ((container.get("resources") or {}).get("requests") or {}).items():
            total[name] = max(total.get(name, 0), quantity(value))
    return total


def tolerates(pod: dict, taint: dict) -> bool:
    for toleration in (pod.get("spec") or {}).get("tolerations") or []:
        if toleration.get("effect") not in (None, "", taint.get("effect")):
            continue
        if toleration.get("operator") == "Exists":
            if toleration.get("key") in (None, "", taint.get("key")):
                return True
        elif toleration.get("key") == taint.get("key") and toleration.get("value", "") == taint.get("value", ""):
            return True
    return False


@dataclass
class Timeline:
    """When a bound pod's containers start, get ready, exit (all from its annotations)."""

    bound_at: float
    start_at: float
    ready_at: float
    finish_at: float | None
    exit_code: int
    image_pull_failure: bool
    crash_loop: bool
    log_rate: float

    @classmethod
    def of(cls, pod: dict, bound_at: float) -> "Timeline":
        annotations = pod["metadata"].get("annotations") or {}
        restart_policy = (pod.get("spec") or {}).get("restartPolicy", "Always")
        start_at = bound_at + max(0.0, number(annotations, START_SECONDS, 1.0))
        run = number(annotations, RUN_SECONDS, None)
        exit_code = int(number(annotations, EXIT_CODE, 0))
        return cls(
            bound_at=bound_at,
            start_at=start_at,
            ready_at=start_at + max(0.0, number(annotations, READY_SECONDS, 0.0)),
            finish_at=None if run is None or restart_policy == "Always" else start_at + max(0.0, run),
            exit_code=exit_code,
            image_pull_failure=annotations.get(IMAGE_PULL_FAILURE) == "true",
            # OnFailure restarts a failing container in place: a crash loop, as on a kubelet.
            crash_loop=annotations.get(CRASH_LOOP) == "true" or (restart_policy == "OnFailure" and exit_code != 0
                                                                and run is not None),
            log_rate=max(0.0, number(annotations, LOG_RATE, 1.0)),
        )

    def started(self, now: float) -> bool:
        return not self.image_pull_failure and now >= self.start_at

    def finished(self, now: float) -> bool:
        return not self.crash_loop and self.finish_at is not None and self.started(now) and now >= self.finish_at

    def log_count(self, now: float) -> int:
        """How many log lines a container has written by `now`."""
        if not self.started(now) or self.log_rate <= 0:
            return 0
        end = now if self.finish_at is None or self.crash_loop else min(now, self.finish_at)
        return max(0, math.floor((end - self.start_at) * self.log_rate + 1e-9))


def pod_condition(kind: str, ok: bool, since: float, reason: str = "", message: str = "") -> dict:
    condition = {"type": kind, "status": "True" if ok else "False", "lastProbeTime": None,
                 "lastTransitionTime": rfc3339(since)}
    if reason and not ok:
        condition["reason"] = reason
    if message and not ok:
        condition["message"] = message
    return condition


def pod_status(pod: dict, t: Timeline, now: float, pod_ip: str) -> dict:
    """The status a kubelet (1.20) would report for `pod` at `now`."""
    meta, spec = pod["metadata"], pod.get("spec") or {}
    started, finished = t.started(now), t.finished(now)
    statuses = []
    for container in spec.get("containers") or []:
        name, image = container["name"], container.get("image", "")
        digest = hashlib.sha256(f"{meta['uid']}/{name}".encode()).hexdigest()
        container_id, image_id = f"containerd://{digest}", f"docker.io/library/{image.split(':')[0]}@sha256:{digest}"
        status = {"name": name, "image": image, "imageID": "", "ready": False, "restartCount": 0,
                  "started": False, "state": {}, "lastState": {}}
        if t.image_pull_failure and now >= t.start_at:
            backoff = now >= t.start_at + IMAGE_PULL_BACKOFF_AFTER
            status["state"] = {"waiting": {
                "reason": "ImagePullBackOff" if backoff else "ErrImagePull",
                "message": f'Back-off pulling image "{image}"' if backoff
                else f'rpc error: code = NotFound desc = failed to pull and unpack image "{image}": not found',
            }}
        elif not started:
            status["state"] = {"waiting": {"reason": "ContainerCreating"}}
        elif t.crash_loop:
            restarts = int((now - t.start_at) // CRASH_PERIOD) + 1
            last = rfc3339(t.start_at + (restarts - 1) * CRASH_PERIOD)
            status.update(imageID=image_id, restartCount=restarts, containerID=container_id)
            status["state"] = {"waiting": {
                "reason": "CrashLoopBackOff",
                "message": f"back-off {int(CRASH_PERIOD)}s restarting failed container={name} "
                           f"pod={meta['name']}_{meta.get('namespace', '')}({meta['uid']})",
            }}
            status["lastState"] = {"terminated": {"exitCode": t.exit_code or 1, "reason": "Error",
                                                  "startedAt": last, "finishedAt": last, "containerID": container_id}}
        elif finished:
            status.update(imageID=image_id, containerID=container_id)
            status["state"] = {"terminated": {
                "exitCode": t.exit_code, "reason": "Completed" if t.exit_code == 0 else "Error",
                "startedAt": rfc3339(t.start_at), "finishedAt": rfc3339(t.finish_at), "containerID": container_id,
            }}
        else:
            status.update(imageID=image_id, containerID=container_id,
                          ready=now >= t.ready_at, started=True)
            status["state"] = {"running": {"startedAt": rfc3339(t.start_at)}}
        statuses.append(status)

    if finished:
        phase = "Succeeded" if t.exit_code == 0 else "Failed"
    else:
        phase = "Running" if started else "Pending"
    ready = bool(statuses) and all(s["ready"] for s in statuses)
    not_ready = [s["name"] for s in statuses if not s["ready"]]
    reason = "PodCompleted" if finished else "ContainersNotReady"
    message = "" if finished else f"containers with unready status: [{' '.join(not_ready)}]"
    since = t.ready_at if ready else (t.finish_at if finished else t.bound_at)
    return {
        "phase": phase,
        "conditions": [
            pod_condition("Initialized", True, t.bound_at),
            pod_condition("Ready", ready, since, reason, message),
            pod_condition("ContainersReady", ready, since, reason, message),
            pod_condition("PodScheduled", True, t.bound_at),
        ],
        "hostIP": "127.0.0.1",
        "podIP": pod_ip,
        "podIPs": [{"ip": pod_ip}],
        "startTime": rfc3339(t.bound_at),
        "containerStatuses": statuses,
    }
