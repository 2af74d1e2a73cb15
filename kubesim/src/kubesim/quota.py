"""ResourceQuota: what objects use (counts and compute requests), the admission check that
refuses a create going over a quota (403, the server's message), and the status the quota
controller computes (`status.hard`, `status.used`).

Supported: object counts (`pods`, `services`, `configmaps`, `secrets`, `persistentvolumeclaims`,
`resourcequotas`, `services.loadbalancers`, `services.nodeports`, `count/<resource>[.<group>]`),
pod compute (`requests.cpu`/`cpu`, `requests.memory`/`memory`, `limits.cpu`, `limits.memory`,
`requests.<extended resource>` such as `requests.nvidia.com/gpu`) and `requests.storage`.
Scopes and scope selectors are not.
"""

from fractions import Fraction

from kubesim.errors import forbidden
from kubesim.quantities import format_resource, parse_quantity
from kubesim.scheduling import container_requests

LEGACY_COUNTS = {"pods": "Pod", "services": "Service", "configmaps": "ConfigMap", "secrets": "Secret",
                 "persistentvolumeclaims": "PersistentVolumeClaim", "resourcequotas": "ResourceQuota"}
# A quota on these makes every pod say how much it needs (else: "must specify ...").
MUST_SPECIFY = {"cpu": "requests.cpu", "memory": "requests.memory", "requests.cpu": "requests.cpu",
                "requests.memory": "requests.memory", "limits.cpu": "limits.cpu", "limits.memory": "limits.memory"}


def counts_for_quota(pod: dict) -> bool:
    """Terminal pods use nothing."""
    return (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")


def _pod_compute(pod: dict) -> dict[str, Fraction]:
    spec = pod.get("spec") or {}
    usage: dict[str, Fraction] = {}
    for container in spec.get("containers") or []:
        requests = container_requests(container)
        limits = {k: parse_quantity(v) for k, v in ((container.get("resources") or {}).get("limits") or {}).items()}
        for name, value in requests.items():
            usage[f"requests.{name}"] = usage.get(f"requests.{name}", 0) + value
        for name, value in limits.items():
            usage[f"limits.{name}"] = usage.get(f"limits.{name}", 0) + value
    usage["cpu"] = usage.get("requests.cpu", Fraction(0))
    usage["memory"] = usage.get("requests.memory", Fraction(0))
    return usage


def object_usage(rt, obj: dict, now: float) -> dict[str, Fraction]:
    """What one object counts against quotas in its namespace."""
    if rt.kind == "Pod" and not counts_for_quota(obj):
        return {}
    usage: dict[str, Fraction] = {f"count/{rt.qualified}": Fraction(1)}
    if rt.plural in LEGACY_COUNTS:
        usage[rt.plural] = Fraction(1)
    if rt.kind == "Pod":
        usage.update(_pod_compute(obj))
    elif rt.kind == "Service":
        kind = (obj.get("spec") or {}).get("type", "ClusterIP")
        usage["services.loadbalancers"] = Fraction(1 if kind == "LoadBalancer" else 0)
        usage["services.nodeports"] = Fraction(len((obj.get("spec") or {}).get("ports") or [])
                                               if kind in ("NodePort", "LoadBalancer") else 0)
    elif rt.kind == "PersistentVolumeClaim":
        storage = (((obj.get("spec") or {}).get("resources") or {}).get("requests") or {}).get("storage")
        usage["requests.storage"] = parse_quantity(storage) if storage else Fraction(0)
    return usage


def namespace_usage(store, namespace: str, resource_names, now: float, registry) -> dict[str, Fraction]:
    """What the objects in `namespace` use, for the resources a quota names."""
    wanted = set(resource_names)
    kinds = set()
    for name in wanted:
        if name in LEGACY_COUNTS:
            kinds.add(LEGACY_COUNTS[name])
        elif name.startswith("count/"):
            rt = registry.get(name[len("count/"):])
            if rt is not None:
                kinds.add(rt.kind)
        elif name.startswith("services."):
            kinds.add("Service")
        elif name == "requests.storage":
            kinds.add("PersistentVolumeClaim")
        else:
            kinds.add("Pod")
    used = {name: Fraction(0) for name in wanted}
    for kind in kinds:
        rt = registry[kind]
        for obj in store.list(kind, namespace):
            for name, value in object_usage(rt, obj, now).items():
                if name in used:
                    used[name] += value
    return used


def _pretty(values: dict, names) -> str:
    return ",".join(f"{name}={format_resource(name, values.get(name, Fraction(0)))}" for name in names)


def check(store, rt, namespace: str, obj: dict, now: float, registry) -> None:
    """Refuse `obj` (403) when it would take a quota of its namespace over its hard limits."""
    if not store.names("ResourceQuota", namespace):
        return
    quotas = store.list("ResourceQuota", namespace)
    usage = object_usage(rt, obj, now)
    if not usage:
        return
    name = obj["metadata"].get("name", "")
    for quota in sorted(quotas, key=lambda q: q["metadata"]["name"]):
        hard = (quota.get("spec") or {}).get("hard") or {}
        if rt.kind == "Pod":
            missing = sorted({MUST_SPECIFY[resource] for resource in hard if resource in MUST_SPECIFY
                              and not all(_specifies(container, MUST_SPECIFY[resource])
                                          for container in obj["spec"].get("containers") or [])})
            if missing:
                raise forbidden(rt.plural, name, f'failed quota: {quota["metadata"]["name"]}: must specify '
                                                 f'{",".join(missing)}', rt.group)
        relevant = sorted(resource for resource in hard if usage.get(resource))
        if not relevant:
            continue
        used = namespace_usage(store, namespace, relevant, now, registry)
        exceeded = [resource for resource in relevant
                    if used[resource] + usage[resource] > parse_quantity(hard[resource])]
        if exceeded:
            limited = {resource: parse_quantity(hard[resource]) for resource in exceeded}
            raise forbidden(rt.plural, name, f'exceeded quota: {quota["metadata"]["name"]}, requested: '
                                             f"{_pretty(usage, exceeded)}, used: {_pretty(used, exceeded)}, "
                                             f"limited: {_pretty(limited, exceeded)}", rt.group)


def _specifies(container: dict, resource: str) -> bool:
    kind, name = resource.split(".", 1)
    resources = container.get("resources") or {}
    return name in (resources.get(kind) or {})


def status(store, quota: dict, now: float, registry) -> dict:
    """The quota's status as the controller computes it: hard as specified, used now."""
    hard = dict((quota.get("spec") or {}).get("hard") or {})
    used = namespace_usage(store, quota["metadata"]["namespace"], hard, now, registry)
    return {"hard": hard, "used": {name: format_resource(name, used[name]) for name in sorted(hard)}}
