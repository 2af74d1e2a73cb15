"""kubesim: an in-process Kubernetes API simulator for tests, `make run` and benchmarks.

Standard library only. See README.md for the API surface and the pod annotations that
drive the simulated kubelet.
"""

from kubesim.simulator import Simulator

__all__ = ["Simulator"]
