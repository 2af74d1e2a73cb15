"""Real-time mode (as `make run` uses it): controllers follow the wall clock, optionally faster."""

import time

import kubernetes
from kubesim.testing import running_kubesim

from tests.kubesim.conftest import pod_body


def test_pod_runs_and_finishes_without_advance():
    with running_kubesim(realtime=True, speed=10.0) as handle:
        cfg = kubernetes.client.Configuration()
        cfg.host = handle.url
        cfg.api_key = {"authorization": "Bearer " + handle.token}
        core = kubernetes.client.CoreV1Api(kubernetes.client.ApiClient(cfg))
        core.create_namespaced_pod("default", pod_body("p", annotations={"kubesim.io/run-seconds": "20"},
                                                       restartPolicy="Never"))
        deadline = time.monotonic() + 8  # 21 simulated seconds take about 2.1 s
        phases = []
        while time.monotonic() < deadline:
            phase = core.read_namespaced_pod("p", "default").status.phase
            if not phases or phases[-1] != phase:
                phases.append(phase)
            if phase == "Succeeded":
                break
            time.sleep(0.1)
        assert phases == ["Pending", "Running", "Succeeded"]
