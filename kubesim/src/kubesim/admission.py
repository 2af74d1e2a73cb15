"""Admission: what the API server's default plugins do to a new object after defaulting.

- NamespaceLifecycle: no content in a namespace that does not exist (404) or is being
  terminated (403 Forbidden, with the server's message and cause);
- ServiceAccount: pods run as `default` unless they name another account (which must exist),
  with its token mounted at /var/run/secrets/kubernetes.io/serviceaccount unless
  `automountServiceAccountToken: false`;
- DefaultTolerationSeconds: pods tolerate `node.kubernetes.io/not-ready` and `unreachable`
  (NoExecute) for 300 s unless they say otherwise;
- Priority: `priority: 0`, `preemptionPolicy: PreemptLowerPriority`;
- the pod's `status.qosClass` (Guaranteed, Burstable, BestEffort) and a Service's `clusterIP`.

ResourceQuota is quota.py.
"""

import ipaddress
import random

from kubesim.errors import forbidden, not_found
from kubesim.quantities import parse_quantity

SERVICE_ACCOUNT_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
DEFAULT_TOLERATION_SECONDS = 300
NODE_NOT_READY = "node.kubernetes.io/not-ready"
NODE_UNREACHABLE = "node.kubernetes.io/unreachable"
SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")
_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def check_namespace(store, rt, namespace: str, name: str) -> None:
    """NamespaceLifecycle: 404 for a missing namespace, 403 for one being terminated."""
    entry = store.get_entry("Namespace", "", namespace)
    if entry is None:
        raise not_found("namespaces", namespace)
    if b'"deletionTimestamp"' in entry.raw:  # no decoding on every create
        raise forbidden(rt.plural, name, f"unable to create new content in namespace {namespace} because it is "
                                         "being terminated", rt.group,
                        [("metadata.namespace", "NamespaceTerminating", f"namespace {namespace} is being terminated")])


def qos_class(pod: dict) -> str:
    """Guaranteed: every container limits cpu and memory and requests what it limits;
    BestEffort: nothing requested or limited; Burstable otherwise (the kubelet's rules)."""
    spec = pod.get("spec") or {}
    any_set, guaranteed = False, True
    for container in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        resources = container.get("resources") or {}
        limits = {k: parse_quantity(v) for k, v in (resources.get("limits") or {}).items() if k in ("cpu", "memory")}
        requests = {k: parse_quantity(v) for k, v in (resources.get("requests") or {}).items()
                    if k in ("cpu", "memory")}
        limits = {k: v for k, v in limits.items() if v}
        requests = {k: v for k, v in requests.items() if v}
        any_set = any_set or bool(limits) or bool(requests)
        if set(limits) != {"cpu", "memory"} or any(requests.get(k, v) != v for k, v in limits.items()):
            guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def _tolerates_key(tolerations: list, key: str) -> bool:
    for toleration in tolerations:
        if toleration.get("effect") not in (None, "", "NoExecute"):
            continue
        if toleration.get("key") == key or (not toleration.get("key") and toleration.get("operator") == "Exists"):
            return True
    return False


class Admission:
    def __init__(self, store, rng: random.Random):
        self.store = store
        self.rng = rng
        self._cluster_ips: set | None = None  # allocated so far (never freed: the range is large)

    def admit(self, rt, obj: dict) -> None:
        """Mutate a new, defaulted object as the default admission plugins do."""
        if rt.kind == "Pod":
            self._service_account(obj)
            self._tolerations(obj)
            spec = obj["spec"]
            spec.setdefault("priority", 0)
            spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
        elif rt.kind == "Service":
            self._cluster_ip(obj)

    def _service_account(self, pod: dict) -> None:
        spec, metadata = pod["spec"], pod["metadata"]
        name = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
        spec["serviceAccountName"] = spec["serviceAccount"] = name
        entry = self.store.get_entry("ServiceAccount", metadata["namespace"], name)
        if entry is None:
            raise forbidden("pods", metadata.get("name", ""), f"error looking up service account "
                                                             f'{metadata["namespace"]}/{name}: serviceaccount '
                                                             f'"{name}" not found')
        automount = spec.get("automountServiceAccountToken")
        if automount is None:
            automount = b'"automountServiceAccountToken":false' not in entry.raw or \
                entry.obj.get("automountServiceAccountToken", True)
        if not automount:
            return
        volumes = spec.setdefault("volumes", [])
        volume_name = "kube-api-access-" + "".join(self.rng.choice(_SUFFIX_ALPHABET) for _ in range(5))
        volumes.append({"name": volume_name, "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace",
                                        "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
        ]}})
        for container in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
            mounts = container.setdefault("volumeMounts", [])
            if not any(mount.get("mountPath") == SERVICE_ACCOUNT_MOUNT for mount in mounts):
                mounts.append({"name": volume_name, "readOnly": True, "mountPath": SERVICE_ACCOUNT_MOUNT})

    @staticmethod
    def _tolerations(pod: dict) -> None:
        tolerations = pod["spec"].setdefault("tolerations", [])
        for key in (NODE_NOT_READY, NODE_UNREACHABLE):
            if not _tolerates_key(tolerations, key):
                tolerations.append({"key": key, "operator": "Exists", "effect": "NoExecute",
                                    "tolerationSeconds": DEFAULT_TOLERATION_SECONDS})

    def _cluster_ip(self, service: dict) -> None:
        spec = service["spec"]
        if spec.get("type") == "ExternalName":
            return
        if self._cluster_ips is None:
            self._cluster_ips = {s["spec"].get("clusterIP") for s in self.store.list("Service") if s.get("spec")}
        if not spec.get("clusterIP"):
            while True:
                address = str(SERVICE_CIDR[self.rng.randrange(1, SERVICE_CIDR.num_addresses - 1)])
                if address not in self._cluster_ips:
                    break
            spec["clusterIP"] = address
        self._cluster_ips.add(spec["clusterIP"])
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
        if spec["clusterIP"] != "None":
            spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
