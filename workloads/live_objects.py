"""Reading a workload's Kubernetes objects from its cluster, as YAML a person may read.

A service for the details page's YAML view: one gateway session, one GET per recorded
component, by its kind and name in the workload's namespace only (the tenant boundary: a
component recorded in another namespace is not read). An object whose uid is not the recorded
one was re-created by someone else and is not shown. Noise and secrets are removed first
(`cluster.redaction`). Problems come back as words, never as exceptions.
"""

from dataclasses import dataclass, field

import yaml

from workloads.cluster import ClusterGateway, ClusterUnreachable
from workloads.cluster.redaction import shown_object
from workloads.logs import plain_text


@dataclass(frozen=True)
class ObjectSection:
    kind: str
    name: str
    yaml: str = ""
    problem: str = ""


@dataclass
class LiveObjects:
    sections: list[ObjectSection] = field(default_factory=list)
    error: str = ""  # the cluster could not be read at all


def as_yaml(obj: dict) -> str:
    """The object as block YAML, keys in the API's order; text from the cluster is untrusted:
    control characters are escaped by the dumper, and the page escapes the rest."""
    return yaml.safe_dump(shown_object(obj), sort_keys=False, default_flow_style=False, allow_unicode=True)


def _section(gateway, workload, component) -> ObjectSection:
    kind, name = component.kind, component.name
    if component.namespace != workload.namespace:
        return ObjectSection(kind, name, problem=f"Not read: recorded in namespace {component.namespace}, "
                                                 f"outside the workload's namespace {workload.namespace}.")
    try:
        obj = gateway.read_object(kind, workload.namespace, name)
    except ValueError as exc:
        return ObjectSection(kind, name, problem=f"Not read: {exc}.")
    if obj is None:
        return ObjectSection(kind, name, problem="Not in the cluster (any more).")
    if not isinstance(obj, dict):
        return ObjectSection(kind, name, problem="The cluster answered with something that is not an object.")
    uid = (obj.get("metadata") or {}).get("uid") if isinstance(obj.get("metadata"), dict) else None
    if component.uid and uid != component.uid:
        return ObjectSection(kind, name, problem="Re-created since (another uid): not this workload's object.")
    return ObjectSection(kind, name, yaml=as_yaml(obj))


def read_live_objects(workload, components) -> LiveObjects:
    """The workload's `components` (Component rows) as they are in the cluster now."""
    objects = LiveObjects()
    try:
        with ClusterGateway.for_cluster(workload.cluster) as gateway:
            for component in components:
                objects.sections.append(_section(gateway, workload, component))
    except ClusterUnreachable as exc:
        return LiveObjects(error=plain_text(f"Cluster {workload.cluster} cannot be reached right now ({exc.message})."))
    return objects
