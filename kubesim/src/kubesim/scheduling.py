"""Scheduling arithmetic, as kube-scheduler does it (pure: no I/O).

What a pod reserves on a node (`pod_requests`), whether it tolerates a taint, why a node does
not fit it (the scheduler's words, first failing filter per node) and the `PodScheduled=False`
message summing those reasons over all nodes. kubesim's scheduler and the genuine tier's
stand-in both use it.
"""

from collections import Counter
from fractions import Fraction

from kubesim.quantities import parse_quantity

NO_SCHEDULE_EFFECTS = ("NoSchedule", "NoExecute")


def container_requests(container: dict, parse=parse_quantity) -> dict:
    """A container's requests, limits standing in for requests they do not name (the defaulting)."""
    resources = container.get("resources") or {}
    merged = {**(resources.get("limits") or {}), **(resources.get("requests") or {})}
    return {name: parse(value) for name, value in merged.items()}


def pod_requests(pod: dict, parse=parse_quantity) -> dict:
    """What the scheduler reserves: containers summed, each init container at most (max), one pod.
    Amounts as `parse` reads quantities (exact Fractions; kubesim's scheduler: thousandths)."""
    spec = pod.get("spec") or {}
    total: dict = {}
    for container in spec.get("containers") or []:
        for name, value in container_requests(container, parse).items():
            total[name] = total.get(name, 0) + value
    for container in spec.get("initContainers") or []:
        for name, value in container_requests(container, parse).items():
            total[name] = max(total.get(name, 0), value)
    for name, value in ((spec.get("overhead") or {}).items()):
        total[name] = total.get(name, 0) + parse(value)
    total["pods"] = parse("1")
    return total


def tolerates(pod: dict, taint: dict) -> dict | None:
    """The toleration of `pod` that matches `taint`, or None."""
    for toleration in (pod.get("spec") or {}).get("tolerations") or []:
        if toleration.get("effect") not in (None, "", taint.get("effect")):
            continue
        if toleration.get("operator") == "Exists":
            if toleration.get("key") in (None, "", taint.get("key")):
                return toleration
        elif toleration.get("key") == taint.get("key") and toleration.get("value", "") == taint.get("value", ""):
            return toleration
    return None


def filter_reasons(pod: dict, node: dict) -> list[str]:
    """The filters before resources, in kube-scheduler's order (the first failing one counts)."""
    spec = pod.get("spec") or {}
    if (node.get("spec") or {}).get("unschedulable"):
        return ["node(s) were unschedulable"]
    for taint in (node.get("spec") or {}).get("taints") or []:
        if taint.get("effect") in NO_SCHEDULE_EFFECTS and not tolerates(pod, taint):
            return [f"node(s) had taint {{{taint['key']}: {taint.get('value', '')}}}, that the pod didn't tolerate"]
    labels = (node.get("metadata") or {}).get("labels") or {}
    if any(labels.get(key) != value for key, value in (spec.get("nodeSelector") or {}).items()):
        return ["node(s) didn't match node selector"]
    return []


def resource_reasons(requests: dict, free: dict) -> list[str]:
    """Insufficient resources: `requests` and `free` in the same unit (any numbers)."""
    reasons = [("Too many pods" if name == "pods" else f"Insufficient {name}")
               for name, value in requests.items() if value and value > free.get(name, 0)]
    return sorted(reasons)


def unfit_reasons(pod: dict, node: dict, used: dict[str, Fraction], requests: dict | None = None) -> list[str]:
    """Why `pod` cannot go on `node` (empty: it fits), filters in kube-scheduler's order."""
    reasons = filter_reasons(pod, node)
    if reasons:
        return reasons
    allocatable = (node.get("status") or {}).get("allocatable") or {}
    requests = requests if requests is not None else pod_requests(pod)
    free = {name: parse_quantity(allocatable.get(name, 0)) - used.get(name, 0) for name in requests}
    return resource_reasons(requests, free)


def unschedulable_message(node_count: int, reasons_per_node: list[list[str]]) -> str:
    """`0/4 nodes are available: 4 Insufficient nvidia.com/gpu.` (kube-scheduler's FitError)."""
    counts = Counter(reason for reasons in reasons_per_node for reason in reasons)
    histogram = sorted(f"{count} {reason}" for reason, count in counts.items())
    if not histogram:
        return f"0/{node_count} nodes are available."
    return f"0/{node_count} nodes are available: {', '.join(histogram)}."
