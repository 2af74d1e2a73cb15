"""`python -m tests.contract.genuine`: the genuine tier's cluster (control plane, stand-in kubelet,
CRDs) until Ctrl-C.

Point the contract suite (or kubectl) at it from another shell:
    CONTRACT_KUBECONFIG=<printed path> .venv/bin/python -m pytest tests/contract
"""

import contextlib
import time

from . import crds
from .control_plane import running_control_plane
from .standin_kubelet import running_standin_kubelet

started = time.monotonic()
with running_control_plane() as plane, running_standin_kubelet(plane) as kubelet:
    crds.install(plane, crds.KSERVE_INFERENCE_SERVICE)
    print(f"kube-apiserver {plane.version} and node {kubelet.name} ready in {time.monotonic() - started:.1f} s "
          f"at {plane.url}", flush=True)
    print(f"kubeconfig: {plane.kubeconfig_path} (process logs in {plane.workdir}); Ctrl-C stops it", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            time.sleep(3600)
