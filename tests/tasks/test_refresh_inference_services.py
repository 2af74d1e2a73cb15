"""The refresh finds KServe InferenceServices like any component kind: a labelled one becomes a
Custom workload whose status follows its Ready condition."""

from workloads.models import Workload, WorkloadType
from workloads.status import WorkloadStatus
from workloads.sync.refresh import refresh_cluster


def inference_service(name):
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": name, "namespace": "vision", "labels": {"devcenter.io/project": "vision"}},
        "spec": {
            "predictor": {
                "minReplicas": 2,
                "model": {
                    "modelFormat": {"name": "vllm"},
                    "resources": {"requests": {"cpu": "4"}, "limits": {"nvidia.com/gpu": "1"}},
                },
            }
        },
    }


def test_an_inference_service_is_a_component_found_by_the_refresh(sim, sim_cluster, vision):
    sim.create(inference_service("llm"))
    assert refresh_cluster(sim_cluster.id).custom_created == 1
    workload = Workload.objects.get(type=WorkloadType.CUSTOM)
    assert (workload.name, workload.external_key) == ("llm", "InferenceService/vision/llm")
    assert (workload.requested_gpu, workload.requested_cpu_millicores) == (2, 8000)
    assert workload.status == WorkloadStatus.PENDING
    assert workload.components.get().kind == "InferenceService"

    sim.advance(5)
    refresh_cluster(sim_cluster.id)
    workload.refresh_from_db()
    assert workload.status == WorkloadStatus.RUNNING
