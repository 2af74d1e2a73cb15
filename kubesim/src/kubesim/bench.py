"""`python -m kubesim.bench`: objects held, memory and LIST latency through HTTP.

Seeds --pods pods (a tenth of them, --selected, labelled for one project) plus configmaps and
services up to --objects, then times a labelled LIST of the selected pods over HTTP, whole and
in pages of 500, as the product's refresh does.
"""

import argparse
import gc
import json
import statistics
import time
import urllib.request

from kubesim.server import KubeSimServer
from kubesim.simulator import Simulator

BENCH_TOKEN = "bench"  # noqa: S105 - a throwaway in-process server


def rss_mib() -> float:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def pod(index: int, namespace: str, project: str) -> dict:
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": f"pod-{index:07d}", "namespace": namespace,
                     "labels": {"devcenter.io/project": project, "devcenter.io/workload-id": str(index // 2),
                                "app": "bench"},
                     "annotations": {"kubesim.io/run-seconds": "100000"}},
        "spec": {"containers": [{"name": "main", "image": "registry.example.com/train:1.0",
                                 "resources": {"requests": {"cpu": "2", "memory": "8Gi", "nvidia.com/gpu": "1"},
                                               "limits": {"nvidia.com/gpu": "1"}}}]},
    }


def get(url: str, token: str) -> tuple[float, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request) as response:
        body = response.read()
    elapsed = time.perf_counter() - started
    return elapsed, json.loads(body)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m kubesim.bench")
    parser.add_argument("--pods", type=int, default=50_000)
    parser.add_argument("--selected", type=int, default=10_000)
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    base_rss = rss_mib()
    started = time.perf_counter()
    sim = Simulator(token=BENCH_TOKEN)
    namespaces = [f"team-{i}" for i in range(10)]
    for namespace in namespaces:
        sim.create({"kind": "Namespace", "metadata": {"name": namespace}})
    every = max(1, args.pods // args.selected)
    for index in range(args.pods):
        project = "target" if index % every == 0 and index // every < args.selected else f"p{index % 97}"
        sim.create(pod(index, namespaces[index % len(namespaces)], project), settle=False)
    sim.settle()  # schedule and start every pod (the kubelet writes each one once more)
    sim.advance(2)
    others = max(0, args.objects - sim.count())
    for index in range(others):
        namespace = namespaces[index % len(namespaces)]
        if index % 2:
            sim.create({"kind": "ConfigMap", "metadata": {"name": f"cm-{index}", "namespace": namespace},
                        "data": {"config": "x" * 64}}, settle=False)
        else:
            sim.create({"kind": "Service", "metadata": {"name": f"svc-{index}", "namespace": namespace},
                        "spec": {"ports": [{"port": 80}]}}, settle=False)
    seeded = time.perf_counter() - started
    gc.collect()
    held = sim.count()
    memory = rss_mib() - base_rss

    server = KubeSimServer(sim).start()
    selector = "devcenter.io/project%3Dtarget"
    timings, paged = [], []
    count = 0
    for _ in range(args.runs):
        elapsed, body = get(f"{server.url}/api/v1/pods?labelSelector={selector}", BENCH_TOKEN)
        timings.append(elapsed)
        count = len(body["items"])
        elapsed_total, token, pages = 0.0, "", 0
        while True:
            suffix = f"&continue={token}" if token else ""
            elapsed, body = get(f"{server.url}/api/v1/pods?labelSelector={selector}&limit=500{suffix}", BENCH_TOKEN)
            elapsed_total += elapsed
            pages += 1
            token = body["metadata"].get("continue")
            if not token:
                break
        paged.append(elapsed_total)
    unselected, _ = get(f"{server.url}/api/v1/namespaces/team-1/pods?limit=500", BENCH_TOKEN)
    server.stop()

    print(f"objects held            {held:>10,}")
    print(f"pods                    {sim.count('Pod'):>10,}")
    print(f"seed time               {seeded:>10.1f} s")
    print(f"memory (RSS growth)     {memory:>10.0f} MiB")
    print(f"LIST {count:,} pods (1 call)  median {statistics.median(timings) * 1000:>7.0f} ms   "
          f"min {min(timings) * 1000:.0f} ms")
    print(f"LIST {count:,} pods (pages of 500, {pages} calls)  median {statistics.median(paged) * 1000:>7.0f} ms")
    print(f"LIST 500 pods of one namespace  {unselected * 1000:.0f} ms")


if __name__ == "__main__":
    main()
