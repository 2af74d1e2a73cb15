"""`python -m kubesim`: serves, writes a kubeconfig, keeps objects across restarts with --state."""

import os
import signal
import subprocess
import sys
import time

import kubernetes


def start(tmp_path, *extra):
    kubeconfig = tmp_path / "kubeconfig"
    process = subprocess.Popen(
        [sys.executable, "-m", "kubesim", "--port", "0", "--kubeconfig", str(kubeconfig), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    line = process.stdout.readline()
    assert line.startswith("kubesim serving http://127.0.0.1:"), line
    return process, kubeconfig


def stop(process):
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=10)
    process.stdout.close()
    process.stderr.close()


def test_serves_and_state_survives_restart(tmp_path):
    state = tmp_path / "state.json"
    process, kubeconfig = start(tmp_path, "--state", str(state), "--nodes", "2")
    try:
        core = kubernetes.client.CoreV1Api(kubernetes.config.new_client_from_config(str(kubeconfig)))
        assert len(core.list_node().items) == 2
        core.create_namespaced_config_map("default", {"metadata": {"name": "kept"}})
        core.create_namespaced_pod("default", {"metadata": {"name": "p"}, "spec": {
            "containers": [{"name": "c", "image": "x"}]}})
        deadline = time.monotonic() + 5
        while core.read_namespaced_pod("p", "default").status.phase != "Running":  # real time runs
            assert time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        stop(process)
    assert process.returncode == 0 and state.exists()

    process, kubeconfig = start(tmp_path, "--state", str(state), "--nodes", "2")
    try:
        core = kubernetes.client.CoreV1Api(kubernetes.config.new_client_from_config(str(kubeconfig)))
        assert core.read_namespaced_config_map("kept", "default").metadata.name == "kept"
        assert len(core.list_node().items) == 2
        created = core.create_namespaced_config_map("default", {"metadata": {"name": "new"}})
        kept = core.read_namespaced_config_map("kept", "default")
        assert int(created.metadata.resource_version) > int(kept.metadata.resource_version)
    finally:
        stop(process)
