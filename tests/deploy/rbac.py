"""The permissions the gateway needs, derived from the kind registry and the launch builder:
what the manifests must grant (no more: least privilege; no less: every operation works)."""

from tests.conftest import launched_spec
from workloads.cluster.kinds import KINDS
from workloads.cluster.manifests import build_manifests
from workloads.types import LAUNCHABLE

# Across the cluster: one LIST and one WATCH per kind for all namespaces; nodes for capacity.
# Every kind, the Warning Events (the refresh's LIST per namespace, the watcher's watch), nodes.
CLUSTER_READS = {(kind.group, kind.plural): {"list", "watch"} for kind in KINDS} | {
    ("", "events"): {"list", "watch"}, ("", "nodes"): {"list"},
}


def created_kinds() -> set[str]:
    """Every kind a launch of any type creates (a workspace with its Ingress included).
    Call with settings.WORKSPACE_AUTH_URL set."""
    kinds = set()
    for type_ in LAUNCHABLE:
        spec = launched_spec(type_, image="i", base_url="https://ws.example.com", model="org/model", workers=2)
        kinds |= {manifest["kind"] for manifest in build_manifests(spec)}
    return kinds


def namespaced_verbs() -> dict[tuple[str, str], set[str]]:
    """In each managed namespace: read one object and delete it (any kind: a Custom workload may
    be made of any), create what launches create, patch what stop/resume scales, read logs."""
    created = created_kinds()
    verbs = {}
    for kind in KINDS:
        granted = {"get", "delete"}
        if kind.name in created:
            granted.add("create")
        if kind.scalable:
            granted.add("patch")
        verbs[(kind.group, kind.plural)] = granted
    verbs[("", "pods/log")] = {"get"}
    return verbs


def granted(rules: list[dict]) -> dict[tuple[str, str], set[str]]:
    """{(group, resource): verbs} of RBAC rules."""
    verbs: dict[tuple[str, str], set[str]] = {}
    for rule in rules:
        assert not rule.get("resourceNames") and "*" not in rule["verbs"], rule
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                assert "*" not in (group, resource), rule
                verbs.setdefault((group, resource), set()).update(rule["verbs"])
    return verbs
