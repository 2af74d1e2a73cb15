"""Node objects for the simulated cluster."""

from kubesim.clock import rfc3339


def node_object(name: str, *, cpu: str = "64", memory: str = "512Gi", gpus: str | int = "8", ready: bool = True,
                index: int = 0, labels: dict | None = None, now: float = 0.0, pods: str | int = "250") -> dict:
    allocatable = {"cpu": str(cpu), "memory": memory, "pods": str(pods), "ephemeral-storage": "1Ti"}
    if str(gpus) not in ("", "0"):
        allocatable["nvidia.com/gpu"] = str(gpus)
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                       **(labels or {})},
        },
        "spec": {"podCIDR": f"10.244.{index}.0/24"},
        "status": {
            "capacity": dict(allocatable),
            "allocatable": allocatable,
            "conditions": ready_conditions(ready, now, now),
            "addresses": [{"type": "InternalIP", "address": f"10.0.0.{10 + index}"},
                          {"type": "Hostname", "address": name}],
            "nodeInfo": {
                "architecture": "amd64", "bootID": f"boot-{name}", "containerRuntimeVersion": "containerd://1.7.0",
                "kernelVersion": "6.1.0", "kubeProxyVersion": "v1.33.0", "kubeletVersion": "v1.33.0",
                "machineID": f"machine-{name}", "operatingSystem": "linux", "osImage": "kubesim",
                "systemUUID": f"uuid-{name}",
            },
        },
    }


def ready_conditions(ready: bool, now: float, since: float) -> list[dict]:
    """The node conditions a kubelet posts (Ready False: its container runtime is down)."""
    stamp, changed = rfc3339(now), rfc3339(since)

    def condition(kind, status, reason, message):
        return {"type": kind, "status": status, "reason": reason, "message": message,
                "lastHeartbeatTime": stamp, "lastTransitionTime": changed}

    return [
        condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        condition("Ready", "True", "KubeletReady", "kubelet is posting ready status") if ready else
        condition("Ready", "False", "KubeletNotReady", "container runtime is down"),
    ]


def default_nodes(count: int, now: float) -> list[dict]:
    return [node_object(f"node-{i + 1}", index=i, now=now) for i in range(count)]
