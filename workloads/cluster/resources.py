"""What a Kubernetes object requests (GPU, CPU, memory), one function per shape. Pure: no I/O.

The kind registry (`kinds.py`) names each kind's function; `components.object_requests`
dispatches through it.
"""

from dataclasses import dataclass

from .quantities import count, cpu_millicores, memory_bytes

GPU = "nvidia.com/gpu"


@dataclass(frozen=True)
class Resources:
    gpu: int = 0
    cpu_millicores: int = 0
    memory_bytes: int = 0

    def __add__(self, other: "Resources") -> "Resources":
        return Resources(
            self.gpu + other.gpu,
            self.cpu_millicores + other.cpu_millicores,
            self.memory_bytes + other.memory_bytes,
        )

    def __mul__(self, factor: int) -> "Resources":
        return Resources(self.gpu * factor, self.cpu_millicores * factor, self.memory_bytes * factor)

    @classmethod
    def from_quantities(cls, quantities: dict | None) -> "Resources":
        """From a `requests`/`allocatable` map: {"nvidia.com/gpu": "1", "cpu": "500m", ...}."""
        quantities = quantities or {}
        return cls(
            gpu=_lenient(count, quantities.get(GPU, 0)),
            cpu_millicores=_lenient(cpu_millicores, quantities.get("cpu", 0)),
            memory_bytes=_lenient(memory_bytes, quantities.get("memory", 0)),
        )


def _lenient(parse, value) -> int:
    """A malformed quantity on someone else's object counts as 0 rather than failing a refresh."""
    try:
        return parse(value)
    except ValueError:
        return 0


def _container_requests(container: dict) -> Resources:
    """A container's requests; a resource with only a limit is requested at its limit."""
    resources = container.get("resources") or {}
    merged = {**(resources.get("limits") or {}), **(resources.get("requests") or {})}
    return Resources.from_quantities(merged)


def pod_spec_requests(pod_spec: dict | None) -> Resources:
    """What one pod requests: max(sum of containers, largest init container), per resource."""
    pod_spec = pod_spec or {}
    total = Resources()
    for container in pod_spec.get("containers") or []:
        total = total + _container_requests(container)
    for container in pod_spec.get("initContainers") or []:
        init = _container_requests(container)
        total = Resources(
            max(total.gpu, init.gpu),
            max(total.cpu_millicores, init.cpu_millicores),
            max(total.memory_bytes, init.memory_bytes),
        )
    return total


def _count(value, default: int) -> int:
    return default if value is None else int(value)


def no_requests(obj: dict) -> Resources:
    """Helpers (a Service, a ConfigMap) run nothing."""
    return Resources()


def pod_requests(pod: dict) -> Resources:
    return pod_spec_requests(pod.get("spec"))


def job_requests(job: dict) -> Resources:
    """The pod template times the pods running at once: parallelism, capped by completions."""
    spec = job.get("spec") or {}
    pods = _count(spec.get("parallelism"), 1)
    if spec.get("completions") is not None:
        pods = min(pods, int(spec["completions"]))
    return pod_spec_requests((spec.get("template") or {}).get("spec")) * pods


def replicas_requests(obj: dict) -> Resources:
    """Deployment / StatefulSet / ReplicaSet: the pod template times `replicas` (default 1)."""
    spec = obj.get("spec") or {}
    return pod_spec_requests((spec.get("template") or {}).get("spec")) * _count(spec.get("replicas"), 1)


def inference_service_requests(isvc: dict) -> Resources:
    """KServe InferenceService: its predictor's pod times `minReplicas` (default 1).

    The predictor is a pod spec (`containers`, ...) and, in KServe's newer schema, a `model`
    that runs as one more container with its own `resources`.
    """
    predictor = (isvc.get("spec") or {}).get("predictor") or {}
    model = predictor.get("model")
    containers = [*([model] if isinstance(model, dict) else []), *(predictor.get("containers") or [])]
    pod = pod_spec_requests({**predictor, "containers": containers})
    return pod * _count(predictor.get("minReplicas"), 1)
