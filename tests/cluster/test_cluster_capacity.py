"""node_capacity: the allocatable resources of ready nodes only."""

import pytest

from workloads.cluster import ClusterUnreachable, Resources


def test_sums_only_ready_nodes(sim, gateway):
    base = gateway.node_capacity()  # kubesim's default nodes, all ready
    sim.add_node("gpu-extra", cpu="16", memory="128Gi", gpus=2)
    sim.add_node("cpu-extra", cpu="15500m", memory="64G", gpus=0)
    sim.add_node("broken", cpu="64", memory="512Gi", gpus=8, ready=False)
    assert gateway.node_capacity() == base + Resources(
        gpu=2, cpu_millicores=16000 + 15500, memory_bytes=128 * 2**30 + 64 * 10**9
    )
    sim.set_node_ready("gpu-extra", False)
    assert gateway.node_capacity() == base + Resources(gpu=0, cpu_millicores=15500, memory_bytes=64 * 10**9)


def test_default_nodes_are_counted(sim, gateway):
    ready = [n for n in sim.list("Node") if n["status"]["conditions"][-1]["status"] == "True"]
    assert ready
    capacity = gateway.node_capacity()
    assert capacity.gpu == sum(int(n["status"]["allocatable"].get("nvidia.com/gpu", 0)) for n in ready)
    assert capacity.cpu_millicores > 0 and capacity.memory_bytes > 0


def test_unreadable_nodes(sim, gateway):
    sim.faults.add(method="GET", path=r"^/api/v1/nodes$", status=503, message="overloaded")
    with pytest.raises(ClusterUnreachable, match="overloaded"):
        gateway.node_capacity()


def test_ensure_namespace_creates_once(sim, gateway):
    assert gateway.ensure_namespace("team-a") is True
    assert gateway.ensure_namespace("team-a") is False
    assert sim.get("Namespace", "", "team-a") is not None
