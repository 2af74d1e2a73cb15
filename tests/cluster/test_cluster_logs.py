"""Logs: list a workload's pods, read a tail / a window / one container, follow a stream."""

import threading

import pytest

from workloads.cluster import LogsUnavailable, workload_selector
from workloads.cluster.manifests import BATCH, WorkloadSpec, build_manifests


def two_container_pod(sim, run_seconds=None):
    annotations = {"kubesim.io/start-seconds": "0", "kubesim.io/log-lines-per-second": "1"}
    if run_seconds is not None:
        annotations["kubesim.io/run-seconds"] = str(run_seconds)
    return sim.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "chatty",
                "namespace": "vision",
                "labels": {"devcenter.io/workload-id": "logs1", "devcenter.io/project": "vision"},
                "annotations": annotations,
            },
            "spec": {"containers": [{"name": "main", "image": "app"}, {"name": "sidecar", "image": "proxy"}]},
        }
    )


def test_list_pods_of_a_workload(sim, gateway):
    spec = WorkloadSpec(
        workload_id="logs2",
        project="vision",
        name="pt",
        type="pre-training",
        shape=BATCH,
        namespace="vision",
        image="i",
        pods=2,
    )
    sim.create(build_manifests(spec)[0])
    sim.advance(5)
    pods = gateway.list_pods(workload_selector("logs2"))
    assert len(pods) == 2
    assert {p.phase for p in pods} == {"Running"}
    assert all(p.containers == ("main",) and p.namespace == "vision" and p.started_at for p in pods)


def test_tail_lines(sim, gateway):
    two_container_pod(sim)
    sim.advance(10)
    text = gateway.read_logs("vision", "chatty", container="main", tail_lines=3)
    lines = text.splitlines()
    assert len(lines) == 3
    assert all(line.startswith("chatty/main log line") for line in lines)
    full = gateway.read_logs("vision", "chatty", container="main").splitlines()
    assert lines == full[-3:]


def test_container_choice(sim, gateway):
    two_container_pod(sim)
    sim.advance(5)
    assert gateway.read_logs("vision", "chatty", container="sidecar").startswith("chatty/sidecar log line 1")


def test_since_seconds_keeps_only_recent_lines(sim, gateway):
    two_container_pod(sim)
    sim.advance(20)
    full = gateway.read_logs("vision", "chatty", container="main").splitlines()
    recent = gateway.read_logs("vision", "chatty", container="main", since_seconds=5).splitlines()
    assert 0 < len(recent) < len(full)
    assert recent == full[-len(recent) :]


def test_timestamps_and_limit_bytes(sim, gateway):
    two_container_pod(sim)
    sim.advance(10)
    stamped = gateway.read_logs("vision", "chatty", container="main", tail_lines=1, timestamps=True)
    assert stamped.split(" ", 1)[0].endswith("Z")
    assert len(gateway.read_logs("vision", "chatty", container="main", limit_bytes=10)) <= 10


def test_missing_pod_has_no_logs(sim, gateway):
    with pytest.raises(LogsUnavailable) as error:
        gateway.read_logs("vision", "nope")
    assert error.value.status_code == 404


def test_follow_stream_gets_new_lines_and_ends_with_the_container(sim, gateway):
    two_container_pod(sim, run_seconds=30)
    sim.advance(3)
    stream = gateway.stream_logs("vision", "chatty", container="main", idle_timeout=10)
    first = next(stream)
    assert first.startswith("chatty/main log line 1")
    received = [first]

    def advance_later():
        sim.advance(40)

    mover = threading.Timer(0.3, advance_later)
    mover.start()
    received.extend(stream)  # ends when the container has terminated
    mover.join()
    numbers = [int(line.rsplit(" ", 1)[1]) for line in received]
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) >= 25


def test_follow_stream_stops_when_nothing_arrives_for_the_idle_timeout(sim, gateway):
    import time

    two_container_pod(sim)  # runs forever; the manual clock does not move, so no new lines
    sim.advance(3)
    started = time.monotonic()
    lines = list(gateway.stream_logs("vision", "chatty", container="main", idle_timeout=0.5))
    assert [line.rsplit(" ", 1)[1] for line in lines] == ["1", "2", "3"]
    assert time.monotonic() - started < 5


def test_follow_stream_of_a_missing_pod(sim, gateway):
    with pytest.raises(LogsUnavailable):
        next(gateway.stream_logs("vision", "nope"))
