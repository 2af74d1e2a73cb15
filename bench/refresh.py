"""Measure one cluster refresh: API calls, SQL queries and wall time at given sizes.

    DATABASE_URL=postgres://... python -m bench.refresh 1000 10000

Runs kubesim in-process, creates N Training workloads (rows) and their Jobs (objects; kubesim
creates the pods), then times three refreshes: the first (every component is new, every
status moves Added -> Running), a steady one (nothing changed), and one after every Job
finished (every status moves Running -> Complete), and one more after a tenth of the pods got a
Warning Event each (the Events history and reasons are written). Each row also counts the LISTs
of Events (one paged LIST of Warning Events per project namespace): the API calls without them
are the rest. Everything it creates is removed at the
end. A measurement, not a test: it asserts nothing.
"""

import argparse
import contextlib
import os
import time
import uuid
from dataclasses import replace

import django


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devcenter.settings")
    django.setup()
    print(f"{'workloads':>9} {'refresh':<8} {'API calls':>9} {'event LISTs':>11} {'SQL queries':>11} {'seconds':>8}"
          f" {'CPU s':>6}")
    for size in args.sizes:
        for label, api_calls, event_lists, queries, seconds, cpu in bench(size):
            print(f"{size:>9} {label:<8} {api_calls:>9} {event_lists:>11} {queries:>11} {seconds:>8.2f} {cpu:>6.2f}")


def bench(size: int):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from workloads.sync.refresh import refresh_cluster

    with simulated_cluster(size) as (sim, cluster):

        def measure(label):
            sim.reset_requests()
            with CaptureQueriesContext(connection) as queries:
                started, cpu_started = time.perf_counter(), time.process_time()
                result = refresh_cluster(cluster.id)
                seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            assert result.reachable and not result.skipped, result
            event_lists = sum(1 for request in sim.requests if request.path.endswith("/events"))
            # CPU time of this process (kubesim's answers included): steadier than wall time
            # on a machine shared with other work.
            return label, len(sim.requests), event_lists, len(queries), seconds, cpu

        yield measure("first")
        yield measure("steady")
        sim.advance(70)
        yield measure("finished")
        add_warnings(sim, size // 10)
        yield measure("warnings")


def add_warnings(sim, count: int) -> None:
    """A Warning Event about each of `count` pods (as a failing probe would report)."""
    for pod in sim.list("Pod", "bench")[:count]:
        metadata = pod["metadata"]
        sim.create({"apiVersion": "v1", "kind": "Event",
                    "metadata": {"name": f"{metadata['name']}.bench", "namespace": "bench"},
                    "involvedObject": {"kind": "Pod", "name": metadata["name"], "uid": metadata["uid"]},
                    "type": "Warning", "reason": "Unhealthy", "message": "Readiness probe failed", "count": 1,
                    "lastTimestamp": metadata["creationTimestamp"]}, settle=False)


@contextlib.contextmanager
def simulated_cluster(size: int, run_seconds=60):
    """An in-process kubesim holding `size` Training workloads (a Job and its pod each, running
    for `run_seconds`, or `run_seconds(index)`), their rows in project `bench-<random>`; all
    removed afterwards."""
    from kubesim.testing import running_kubesim

    from projects.models import Cluster, Project, Quota
    from workloads.cluster.manifests import build_manifests
    from workloads.lifecycle.launch_spec import workload_spec
    from workloads.models import Workload, WorkloadType

    suffix = uuid.uuid4().hex[:8]
    # Enough nodes for every pod to run (kubesim's nodes take 250 pods each, as a scheduler counts).
    with running_kubesim(nodes=max(3, -(-size // 200))) as handle:
        sim = handle.sim
        sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench"}})
        project = Project.objects.create(name=f"bench-{suffix}", display_name="Bench")
        cluster = Cluster.objects.create(name=f"bench-{suffix}", api_url=handle.url, token=handle.token)
        Quota.objects.create(project=project, cluster=cluster, namespace="bench")
        try:
            workloads = Workload.objects.bulk_create(
                (
                    Workload(
                        project=project,
                        cluster=cluster,
                        name=f"train-{index}",
                        type=WorkloadType.TRAINING,
                        namespace="bench",
                        created_by_name="bench",
                        spec={"image": "registry.example/train:1"},
                    )
                    for index in range(size)
                ),
                batch_size=1000,
            )
            run_for = run_seconds if callable(run_seconds) else lambda index: run_seconds
            for index, workload in enumerate(workloads):
                annotations = {"kubesim.io/start-seconds": "1", "kubesim.io/run-seconds": str(run_for(index))}
                workload.project, workload.cluster = project, cluster  # no query per workload
                spec = replace(workload_spec(workload), pod_annotations=annotations)
                for manifest in build_manifests(spec):
                    sim.create(manifest, settle=False)
            sim.advance(5)
            yield sim, cluster
        finally:
            Workload.objects.filter(cluster=cluster).delete()
            Quota.objects.filter(cluster=cluster).delete()
            cluster.delete()
            project.delete()


if __name__ == "__main__":
    main()
