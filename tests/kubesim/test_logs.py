"""Pod logs: tailLines, sinceSeconds, timestamps, limitBytes, container and follow."""

import threading
import time

import pytest
import urllib3
from kubernetes.client.exceptions import ApiException

from tests.kubesim.conftest import pod_body, raw


@pytest.fixture
def running_pod(core, sim):
    core.create_namespaced_pod("default", pod_body("p", annotations={"kubesim.io/log-lines-per-second": "2"}))
    sim.advance(11)  # started at 1 s, 10 s of logs
    return "p"


def test_logs_grow_while_running(core, sim, running_pod):
    lines = core.read_namespaced_pod_log("p", "default").splitlines()
    assert len(lines) == 20
    assert lines[0] == "p/main log line 1"
    sim.advance(5)
    assert len(core.read_namespaced_pod_log("p", "default").splitlines()) == 30


def test_tail_since_timestamps_limit(core, running_pod):
    assert core.read_namespaced_pod_log("p", "default", tail_lines=3).splitlines() == [
        "p/main log line 18", "p/main log line 19", "p/main log line 20"]
    assert len(core.read_namespaced_pod_log("p", "default", since_seconds=2).splitlines()) == 5
    stamped = core.read_namespaced_pod_log("p", "default", tail_lines=1, timestamps=True)
    stamp, text = stamped.strip().split(" ", 1)
    assert stamp.endswith("Z") and "T" in stamp and text == "p/main log line 20"
    assert len(core.read_namespaced_pod_log("p", "default", limit_bytes=10)) == 10


def test_logs_stop_when_the_pod_finishes(core, sim):
    core.create_namespaced_pod("default", pod_body("done", annotations={"kubesim.io/run-seconds": "4"},
                                                   restartPolicy="Never"))
    sim.advance(30)
    assert len(core.read_namespaced_pod_log("done", "default").splitlines()) == 4


def test_container_choice_and_waiting_pod(core, sim):
    core.create_namespaced_pod("default", pod_body("two", containers=[
        {"name": "a", "image": "x"}, {"name": "b", "image": "y"}]))
    with pytest.raises(ApiException) as excinfo:
        core.read_namespaced_pod_log("two", "default")
    assert excinfo.value.status == 400  # still ContainerCreating
    sim.advance(3)
    with pytest.raises(ApiException) as excinfo:
        core.read_namespaced_pod_log("two", "default")
    assert "a container name must be specified" in excinfo.value.body
    assert core.read_namespaced_pod_log("two", "default", container="b").startswith("two/b log line 1")


def test_follow_streams_new_lines(core, sim, running_pod):
    response = core.read_namespaced_pod_log("p", "default", follow=True, tail_lines=1, _preload_content=False)
    received = []

    def advance():
        time.sleep(0.3)
        sim.advance(2)
        time.sleep(0.3)
        sim.delete("Pod", "default", "p")  # ends the stream

    threading.Thread(target=advance).start()
    try:
        for chunk in response.stream(1024):
            received += chunk.decode().splitlines()
    except urllib3.exceptions.ProtocolError:
        pass
    assert received[0] == "p/main log line 20"
    assert "p/main log line 24" in received


def test_a_pod_not_on_a_node_has_no_log_yet(kubesim, core, sim):
    for node in ("node-1", "node-2", "node-3"):
        sim.set_node_ready(node, False)
    core.create_namespaced_pod("default", pod_body("nowhere"))
    status, body = raw(kubesim, "GET", "/api/v1/namespaces/default/pods/nowhere/log")
    assert (status, body) == (204, "")  # the real server's No Content, not an error


def test_a_node_whose_kubelet_is_down_cannot_serve_logs(kubesim, core, sim, running_pod):
    sim.stop_kubelet(core.read_namespaced_pod("p", "default").spec.node_name)
    status, body = raw(kubesim, "GET", "/api/v1/namespaces/default/pods/p/log")
    assert status == 500 and "reason" not in body  # the proxy's error, as the real server words it
    assert body["message"].startswith('Get "https://10.0.0.') and body["message"].endswith(
        ":10250: connect: connection refused")


def test_each_run_of_a_restarting_container_has_its_own_log(core, sim):
    # restartPolicy Always (the default): an exit restarts the container after a 10 s back-off.
    core.create_namespaced_pod("default", pod_body("again", annotations={
        "kubesim.io/start-seconds": "0", "kubesim.io/run-seconds": "3"}))
    sim.advance(2)
    with pytest.raises(ApiException) as excinfo:
        core.read_namespaced_pod_log("again", "default", previous=True)
    assert excinfo.value.status == 400 and "previous terminated container" in excinfo.value.body
    sim.advance(13)  # the second run started at 13 s
    status = core.read_namespaced_pod("again", "default").status
    assert status.phase == "Running" and status.container_statuses[0].restart_count == 1
    assert status.container_statuses[0].last_state.terminated.reason == "Completed"
    assert core.read_namespaced_pod_log("again", "default", previous=True).splitlines() == [
        "again/main log line 1", "again/main log line 2", "again/main log line 3"]
    assert core.read_namespaced_pod_log("again", "default").splitlines() == [
        "again/main log line 1", "again/main log line 2"]
