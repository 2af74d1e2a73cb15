"""A Pre-Training workload's pods each ask for their share, not for the workload's total."""

import pytest

from workloads.cluster import build_manifests
from workloads.lifecycle.launch_spec import workload_spec
from workloads.models import WorkloadType

pytestmark = pytest.mark.django_db
GIB = 1024**3


def test_pre_training_pods_request_their_share(make_workload):
    workload = make_workload(
        type=WorkloadType.PRE_TRAINING,
        requested_gpu=8, requested_cpu_millicores=16_000, requested_memory_bytes=64 * GIB,
        spec={"image": "trainer:1", "workers": 4, "gpu": 2, "cpu_millicores": 4000, "memory_bytes": 16 * GIB},
    )
    spec = workload_spec(workload)
    assert (spec.gpu, spec.cpu_millicores, spec.memory_bytes, spec.pods) == (2, 4000, 16 * GIB, 4)
    job = next(m for m in build_manifests(spec) if m["kind"] == "Job")
    assert job["spec"]["parallelism"] == 4
    requests = job["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]
    assert requests["nvidia.com/gpu"] == "2"


def test_share_is_derived_from_totals_when_the_spec_has_none(make_workload):
    workload = make_workload(
        type=WorkloadType.PRE_TRAINING, requested_gpu=8, requested_cpu_millicores=8000,
        requested_memory_bytes=8 * GIB, spec={"image": "trainer:1", "workers": 2},
    )
    spec = workload_spec(workload)
    assert (spec.gpu, spec.cpu_millicores, spec.memory_bytes) == (4, 4000, 4 * GIB)


def test_other_types_request_the_whole_amount(make_workload):
    workload = make_workload(type=WorkloadType.TRAINING, requested_gpu=3, spec={"image": "trainer:1"})
    assert workload_spec(workload).gpu == 3
