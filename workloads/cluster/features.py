"""Manifest fields that API servers before some version drop without an error. Pure: no I/O.

A server ignores a field it does not know (or whose feature gate is off by default) and stores
the object without it: a Job's `completionMode: Indexed` sent to a server before 1.22 runs
every worker without its index, and nothing says so. `unsupported(manifest, version)` names
what a manifest needs that a server of `version` lacks; the gateway refuses to create such
manifests (a launch that fails with the reason beats a workload that runs broken).
"""

import re
from dataclasses import dataclass

Version = tuple[int, int]


@dataclass(frozen=True)
class Feature:
    kind: str
    path: tuple[str, ...]  # where the field is, e.g. ("spec", "completionMode")
    value: str  # the value that needs the feature
    since: Version  # the first version that honours it by default
    without: str  # what goes wrong where it is dropped
    instead: str  # what the person can do

    def used_by(self, manifest: dict) -> bool:
        if manifest.get("kind") != self.kind:
            return False
        node = manifest
        for key in self.path:
            node = node.get(key) if isinstance(node, dict) else None
        return node == self.value

    @property
    def field(self) -> str:
        return f"{'.'.join(self.path)}: {self.value}"


FEATURES = (
    Feature(
        "Job",
        ("spec", "completionMode"),
        "Indexed",
        (1, 22),  # IndexedJob: alpha (off) in 1.21, beta (on) in 1.22
        without="its workers would run without their index (JOB_COMPLETION_INDEX)",
        instead="run it with one worker, or on a cluster with Kubernetes 1.22 or newer",
    ),
)

_NUMBER = re.compile(r"^\s*(\d+)")


def parse_version(major, minor) -> Version | None:
    """(1, 20) from the `/version` fields ("1", "20+" on some providers); None when unreadable."""
    numbers = [_NUMBER.match(str(part or "")) for part in (major, minor)]
    if not all(numbers):
        return None
    return int(numbers[0][1]), int(numbers[1][1])


def unsupported(manifest: dict, version: Version | None) -> list[Feature]:
    """The features `manifest` uses that a server of `version` drops (none when it is unknown)."""
    if version is None:
        return []
    return [feature for feature in FEATURES if feature.used_by(manifest) and version < feature.since]
