"""Reading a workload's logs from its cluster: the pods carrying its label, one section each.

A service for the logs page (and its download): one gateway session, one LIST of pods in the
workload's namespace only (the tenant boundary: a pod elsewhere carrying its labels is not
its), at most `MAX_LOG_PODS` pods, the container the reader chose where a pod has it. Problems
come back as words, never as exceptions: a pod whose container has not started, or a cluster
that cannot be reached or whose connection settings cannot be used.

Lines are read with the cluster's timestamps (`timestamps=true`), kept per section as the time
of its last line (nanoseconds since the epoch), so that a page that follows asks only for the
lines after those it has (`since`: pod name -> that time). The timestamps are not shown.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from workloads.cluster import (
    ClusterGateway,
    ClusterUnreachable,
    LogsUnavailable,
    PodInfo,
    workload_selector,
)
from workloads.cluster.labels import PROJECT

LOG_TAIL_CHOICES = (100, 500, 2000)
MAX_LOG_PODS = 20

# ECMA-48 escape sequences, 7-bit (ESC ...) and 8-bit (C1) forms: CSI (colours, cursor moves,
# screen clears), the string commands OSC/DCS/SOS/PM/APC (window titles, hyperlinks) up to
# their terminator (BEL or ST) or the end of the line, and the short ESC sequences.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]"
)
# What is left of C0 (but TAB and LF), DEL and C1 once sequences and CRs are dealt with.
_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


# `kubectl logs --timestamps`: an RFC 3339 time (up to nanoseconds), a space, the line.
_TIMESTAMPED = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d) (.*)", re.S)


def split_timestamp(line: str) -> tuple[int | None, str]:
    """(nanoseconds since the epoch, the line without its timestamp); None for a line without one."""
    match = _TIMESTAMPED.fullmatch(line)
    if not match:
        return None, line
    whole, fraction, zone, rest = match.groups()
    try:
        seconds = datetime.fromisoformat(whole + ("+00:00" if zone == "Z" else zone)).timestamp()
    except ValueError:
        return None, line
    return int(seconds) * 1_000_000_000 + int((fraction or "0").ljust(9, "0")), rest


def _as_shown(line: str) -> str:
    """A line with carriage returns as a terminal shows it: each part written over the start
    of the previous one (a progress bar ends as its last state)."""
    shown = ""
    for part in line.split("\r"):
        shown = part + shown[len(part):]
    return shown


def plain_text(text: str) -> str:
    """Log text without escape sequences or control characters (but TAB and LF): logs come from
    the cluster and are untrusted, and the page and the download show plain text."""
    text = _ESCAPE_SEQUENCE.sub("", text).replace("\r\n", "\n")
    if "\r" in text:
        text = "\n".join(_as_shown(line) for line in text.split("\n"))
    return _CONTROL_CHARACTER.sub("", text)


@dataclass(frozen=True)
class LogSection:
    pod: PodInfo
    container: str
    text: str
    problem: str = ""
    last_seen: int | None = None  # the time of its last line as the cluster stamped it (ns)

    def __post_init__(self):
        # Whoever builds a section, the page and the download get plain text.
        object.__setattr__(self, "text", plain_text(self.text))
        object.__setattr__(self, "problem", plain_text(self.problem))

    @property
    def lines(self) -> list[str]:
        return self.text.removesuffix("\n").split("\n") if self.text else []


def _section(pod: PodInfo, container: str, stamped: str, since: int | None) -> LogSection:
    """The lines of `stamped` (a timestamped read) later than `since`, without their timestamps."""
    kept, last_seen = [], since
    for line in stamped.removesuffix("\n").split("\n") if stamped else []:
        at, text = split_timestamp(line)
        if since is not None and (at is None or at <= since):
            continue  # had already (a line without a time cannot be placed: the full read shows it)
        kept.append(text)
        if at is not None and (last_seen is None or at > last_seen):
            last_seen = at
    return LogSection(pod, container, "\n".join(kept) + "\n" if kept else "", last_seen=last_seen)


@dataclass
class WorkloadLogs:
    sections: list[LogSection] = field(default_factory=list)
    containers: list[str] = field(default_factory=list)  # every container name seen, in order
    error: str = ""  # the cluster could not be read at all

    def __post_init__(self):
        self.error = plain_text(self.error)

    @property
    def pods_active(self) -> bool:
        return any(section.pod.phase in ("Pending", "Running") for section in self.sections)

    def as_text(self) -> str:
        """The download: every section under a `==> pod/container <==` header."""
        lines = [self.error] if self.error else []
        for section in self.sections:
            lines.append(f"==> {section.pod.name}/{section.container} <==")
            lines.append(section.text or section.problem)
        return "\n".join(lines)


def read_workload_logs(workload, *, tail: int, container: str = "", since: dict[str, int] | None = None) -> WorkloadLogs:
    """The last `tail` lines of each of the workload's pods (the `container` when it has one);
    with `since`, only the lines of each pod named there later than its time (a pod not named:
    its last `tail` lines)."""
    since = since or {}
    logs = WorkloadLogs()
    try:
        with ClusterGateway.for_cluster(workload.cluster) as gateway:
            pods = [
                pod
                for pod in gateway.list_pods(workload_selector(workload.pk), namespace=workload.namespace)
                if (pod.labels or {}).get(PROJECT) == workload.project.name
            ][:MAX_LOG_PODS]
            for pod in pods:
                logs.containers.extend(name for name in pod.containers if name not in logs.containers)
            for pod in pods:
                chosen = container if container in pod.containers else (pod.containers or ("",))[0]
                try:
                    stamped = gateway.read_logs(
                        pod.namespace, pod.name, container=chosen, tail_lines=tail, timestamps=True
                    )
                    logs.sections.append(_section(pod, chosen, stamped, since.get(pod.name)))
                except LogsUnavailable as exc:
                    logs.sections.append(LogSection(pod, chosen, "", exc.message))
    except ClusterUnreachable as exc:
        return WorkloadLogs(error=f"Cluster {workload.cluster} cannot be reached right now ({exc.message}).")
    return logs
