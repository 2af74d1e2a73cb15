"""What a Kubernetes object requests (GPU, CPU, memory), one function per shape. Pure: no I/O.

The kind registry (`kinds.py`) names each kind's function; `components.object_requests`
dispatches through it.

The objects are untrusted input: amounts are bounded (`Resources` saturates at GPU_MAX and
AMOUNT_MAX, the ranges of the columns that store them), counts that are not integers count
as their default, and nothing here raises on a strange value.
"""

from dataclasses import dataclass

from .quantities import count, cpu_millicores, memory_bytes

GPU = "nvidia.com/gpu"
# The largest amounts devcenter counts: a GPU count is stored in a 32-bit column, millicores
# and bytes in 64-bit ones (Workload.requested_*, Cluster.capacity_*). Sums saturate there.
GPU_MAX = 2**31 - 1
AMOUNT_MAX = 2**63 - 1
REPLICAS_MAX = 2**31 - 1  # Kubernetes' replica and parallelism fields are int32


def _bounded(value: int, limit: int) -> int:
    return max(0, min(int(value), limit))


@dataclass(frozen=True)
class Resources:
    gpu: int = 0
    cpu_millicores: int = 0
    memory_bytes: int = 0

    @classmethod
    def bounded(cls, gpu: int, cpu_millicores: int, memory_bytes: int) -> "Resources":
        """Each amount clamped to [0, its column's maximum]."""
        return cls(
            _bounded(gpu, GPU_MAX), _bounded(cpu_millicores, AMOUNT_MAX), _bounded(memory_bytes, AMOUNT_MAX)
        )

    def __add__(self, other: "Resources") -> "Resources":
        return Resources.bounded(
            self.gpu + other.gpu,
            self.cpu_millicores + other.cpu_millicores,
            self.memory_bytes + other.memory_bytes,
        )

    def __mul__(self, factor: int) -> "Resources":
        return Resources.bounded(self.gpu * factor, self.cpu_millicores * factor, self.memory_bytes * factor)

    @classmethod
    def total(cls, many) -> "Resources":
        """The (saturating) sum of `many`."""
        result = cls()
        for resources in many:
            result = result + resources
        return result

    @classmethod
    def from_quantities(cls, quantities: dict | None) -> "Resources":
        """From a `requests`/`allocatable` map: {"nvidia.com/gpu": "1", "cpu": "500m", ...}."""
        quantities = quantities if isinstance(quantities, dict) else {}
        return cls.bounded(
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


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def _items(value) -> list:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _container_requests(container: dict) -> Resources:
    """A container's requests; a resource with only a limit is requested at its limit."""
    resources = _mapping(container.get("resources"))
    merged = {**_mapping(resources.get("limits")), **_mapping(resources.get("requests"))}
    return Resources.from_quantities(merged)


def pod_spec_requests(pod_spec: dict | None) -> Resources:
    """What one pod requests: max(sum of containers, largest init container), per resource."""
    pod_spec = _mapping(pod_spec)
    total = Resources()
    for container in _items(pod_spec.get("containers")):
        total = total + _container_requests(container)
    for container in _items(pod_spec.get("initContainers")):
        init = _container_requests(container)
        total = Resources(
            max(total.gpu, init.gpu),
            max(total.cpu_millicores, init.cpu_millicores),
            max(total.memory_bytes, init.memory_bytes),
        )
    return total


def _count(value, default: int) -> int:
    """A replica/parallelism count in [0, REPLICAS_MAX]; anything but an integer is `default`."""
    if isinstance(value, bool) or not isinstance(value, int):
        return default
    return _bounded(value, REPLICAS_MAX)


def no_requests(obj: dict) -> Resources:
    """Helpers (a Service, a ConfigMap) run nothing."""
    return Resources()


def pod_requests(pod: dict) -> Resources:
    return pod_spec_requests(_mapping(pod.get("spec")))


def job_requests(job: dict) -> Resources:
    """The pod template times the pods running at once: parallelism, capped by completions."""
    spec = _mapping(job.get("spec"))
    pods = _count(spec.get("parallelism"), 1)
    if spec.get("completions") is not None:
        pods = min(pods, _count(spec["completions"], pods))
    return pod_spec_requests(_mapping(spec.get("template")).get("spec")) * pods


def replicas_requests(obj: dict) -> Resources:
    """Deployment / StatefulSet / ReplicaSet: the pod template times `replicas` (default 1)."""
    spec = _mapping(obj.get("spec"))
    return pod_spec_requests(_mapping(spec.get("template")).get("spec")) * _count(spec.get("replicas"), 1)


def inference_service_requests(isvc: dict) -> Resources:
    """KServe InferenceService: its predictor's pod times `minReplicas` (default 1).

    The predictor is a pod spec (`containers`, ...) and, in KServe's newer schema, a `model`
    that runs as one more container with its own `resources`.
    """
    predictor = _mapping(_mapping(isvc.get("spec")).get("predictor"))
    model = predictor.get("model")
    containers = [*([model] if isinstance(model, dict) else []), *_items(predictor.get("containers"))]
    pod = pod_spec_requests({**predictor, "containers": containers})
    return pod * _count(predictor.get("minReplicas"), 1)
