"""The simulated kubelet: a pod's whole life is a pure function of its annotations, its
creation time and the clock, so advancing the clock by any amount gives the same result.

Annotations (on the pod, or on a workload's pod template):

| annotation                          | effect                                                         |
|-------------------------------------|----------------------------------------------------------------|
| kubesim.io/start-seconds            | Pending -> Running after N s (default 1)                       |
| kubesim.io/run-seconds              | containers terminate N s after starting (absent: run forever)  |
| kubesim.io/exit-code                | exit code at termination: 0 -> Succeeded, else Failed (def. 0) |
| kubesim.io/ready-seconds            | Ready N s after starting (default 0)                           |
| kubesim.io/image-pull-failure       | "true": stays Pending, waiting ErrImagePull/ImagePullBackOff   |
| kubesim.io/crash-loop               | "true": Running, waiting CrashLoopBackOff, restartCount grows  |
| kubesim.io/log-lines-per-second     | log growth per container (default 1)                           |
| kubesim.io/termination-seconds      | a deleted pod stays Terminating N s (default 0), see api.py    |
| kubesim.io/node-lost-seconds        | its node stops reporting N s after the start: phase Unknown    |
"""

import hashlib
from dataclasses import dataclass

from kubesim.clock import parse_rfc3339, rfc3339

START_SECONDS = "kubesim.io/start-seconds"
RUN_SECONDS = "kubesim.io/run-seconds"
EXIT_CODE = "kubesim.io/exit-code"
READY_SECONDS = "kubesim.io/ready-seconds"
IMAGE_PULL_FAILURE = "kubesim.io/image-pull-failure"
CRASH_LOOP = "kubesim.io/crash-loop"
LOG_RATE = "kubesim.io/log-lines-per-second"
NODE_LOST_SECONDS = "kubesim.io/node-lost-seconds"
CRASH_PERIOD = 10.0  # seconds between simulated crash-loop restarts
IMAGE_PULL_BACKOFF_AFTER = 5.0  # ErrImagePull first, ImagePullBackOff afterwards


def _number(annotations: dict, key: str, default: float | None) -> float | None:
    value = annotations.get(key)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        return default


@dataclass(frozen=True)
class Timeline:
    created: float
    start_at: float
    ready_at: float
    finish_at: float | None
    exit_code: int
    image_pull_failure: bool
    crash_loop: bool
    log_rate: float
    node_lost_at: float | None = None

    def node_lost(self, now: float) -> bool:
        return self.node_lost_at is not None and now >= self.node_lost_at and not self.finished(now)

    def started(self, now: float) -> bool:
        return not self.image_pull_failure and now >= self.start_at

    def finished(self, now: float) -> bool:
        return not self.crash_loop and self.finish_at is not None and self.started(now) and now >= self.finish_at

    def log_end(self, now: float) -> float:
        """Logs grow until the containers stop."""
        if self.finish_at is not None and not self.crash_loop:
            return min(now, self.finish_at)
        return now


def timeline(pod: dict) -> Timeline:
    metadata = pod["metadata"]
    annotations = metadata.get("annotations") or {}
    created = parse_rfc3339(metadata["creationTimestamp"])
    start_at = created + max(0.0, _number(annotations, START_SECONDS, 1.0))
    run = _number(annotations, RUN_SECONDS, None)
    lost = _number(annotations, NODE_LOST_SECONDS, None)
    return Timeline(
        created=created,
        start_at=start_at,
        ready_at=start_at + max(0.0, _number(annotations, READY_SECONDS, 0.0)),
        finish_at=None if run is None else start_at + max(0.0, run),
        exit_code=int(_number(annotations, EXIT_CODE, 0) or 0),
        image_pull_failure=annotations.get(IMAGE_PULL_FAILURE) == "true",
        crash_loop=annotations.get(CRASH_LOOP) == "true",
        log_rate=max(0.0, _number(annotations, LOG_RATE, 1.0)),
        node_lost_at=None if lost is None else start_at + max(0.0, lost),
    )


def _pod_ip(uid: str) -> str:
    digest = hashlib.sha256(uid.encode()).digest()
    return f"10.244.{digest[0]}.{max(digest[1], 2)}"


def _container_id(uid: str, name: str, attempt: int = 0) -> str:
    return "containerd://" + hashlib.sha256(f"{uid}/{name}/{attempt}".encode()).hexdigest()


def _image_id(image: str) -> str:
    return f"{image.split(':')[0]}@sha256:" + hashlib.sha256(image.encode()).hexdigest()


def _condition(kind: str, ok: bool, since: float, reason: str | None = None) -> dict:
    condition = {"type": kind, "status": "True" if ok else "False", "lastProbeTime": None,
                 "lastTransitionTime": rfc3339(since)}
    if reason and not ok:
        condition["reason"] = reason
    return condition


def pod_status(pod: dict, now: float, host_ip: str) -> tuple[dict, float | None]:
    """The status the kubelet would report at `now`, and when it next changes (None: never)."""
    t = timeline(pod)
    uid, pod_name = pod["metadata"]["uid"], pod["metadata"]["name"]
    containers = pod["spec"].get("containers") or []
    pod_ip = _pod_ip(uid)
    started, finished = t.started(now), t.finished(now)
    statuses = []
    next_change: float | None = None
    for container in containers:
        name, image = container["name"], container.get("image", "")
        status = {"name": name, "image": image, "imageID": "", "ready": False, "restartCount": 0,
                  "started": False, "state": {}, "lastState": {}}
        if t.image_pull_failure and now >= t.start_at:
            backoff = now >= t.start_at + IMAGE_PULL_BACKOFF_AFTER
            status["state"] = {"waiting": {
                "reason": "ImagePullBackOff" if backoff else "ErrImagePull",
                "message": f'Back-off pulling image "{image}": image not found' if backoff
                else f'failed to pull and unpack image "{image}": image not found',
            }}
            if not backoff:
                next_change = t.start_at + IMAGE_PULL_BACKOFF_AFTER
        elif not started:
            status["state"] = {"waiting": {"reason": "ContainerCreating"}}
            next_change = t.start_at
        elif t.crash_loop:
            restarts = int((now - t.start_at) // CRASH_PERIOD) + 1
            last_start = t.start_at + (restarts - 1) * CRASH_PERIOD
            status.update(imageID=_image_id(image), restartCount=restarts,
                          containerID=_container_id(uid, name, restarts))
            status["state"] = {"waiting": {
                "reason": "CrashLoopBackOff",
                "message": f"back-off {int(CRASH_PERIOD)}s restarting failed container={name} pod={pod_name}_"
                           f"{pod['metadata'].get('namespace', '')}({uid})",
            }}
            status["lastState"] = {"terminated": {"exitCode": t.exit_code or 1, "reason": "Error",
                                                  "startedAt": rfc3339(last_start), "finishedAt": rfc3339(last_start)}}
            next_change = t.start_at + restarts * CRASH_PERIOD
        elif finished:
            status.update(imageID=_image_id(image), containerID=_container_id(uid, name))
            status["state"] = {"terminated": {
                "exitCode": t.exit_code, "reason": "Completed" if t.exit_code == 0 else "Error",
                "startedAt": rfc3339(t.start_at), "finishedAt": rfc3339(t.finish_at),
                "containerID": _container_id(uid, name),
            }}
        else:
            ready = now >= t.ready_at
            status.update(imageID=_image_id(image), containerID=_container_id(uid, name), ready=ready, started=True)
            status["state"] = {"running": {"startedAt": rfc3339(t.start_at)}}
            candidates = [x for x in (t.ready_at, t.finish_at) if x is not None and x > now]
            next_change = min(candidates) if candidates else None
        statuses.append(status)

    node_lost = t.node_lost(now)
    if node_lost:
        # What the node controller reports when a kubelet stops posting status.
        phase = "Unknown"
    elif finished:
        phase = "Succeeded" if t.exit_code == 0 else "Failed"
    elif started:
        phase = "Running"
    else:
        phase = "Pending"
    all_ready = bool(statuses) and all(s["ready"] for s in statuses)
    if all_ready:
        ready_since = t.ready_at
    elif finished:
        ready_since = t.finish_at
    elif started and not t.crash_loop:
        ready_since = t.start_at
    else:
        ready_since = t.created
    reason = "PodCompleted" if finished else "ContainersNotReady"
    status = {
        "phase": phase,
        "conditions": [
            _condition("PodReadyToStartContainers", started and not finished, t.start_at if started else t.created),
            _condition("Initialized", True, t.created, None if not finished else "PodCompleted"),
            _condition("Ready", all_ready, ready_since, reason),
            _condition("ContainersReady", all_ready, ready_since, reason),
            _condition("PodScheduled", True, t.created),
        ],
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "podIP": pod_ip,
        "podIPs": [{"ip": pod_ip}],
        "startTime": rfc3339(t.created),
        "containerStatuses": statuses,
        "qosClass": (pod.get("status") or {}).get("qosClass", "BestEffort"),
    }
    if node_lost:
        status["reason"] = "NodeLost"
        status["message"] = f"Node {host_ip} which was running pod {pod_name} is unresponsive"
        return status, None
    if t.node_lost_at is not None and t.node_lost_at > now and not finished:
        next_change = t.node_lost_at if next_change is None else min(next_change, t.node_lost_at)
    return status, next_change
