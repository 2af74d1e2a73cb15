"""A labelled LIST over HTTP stays fast with thousands of pods (the bench does 10k of 50k)."""

import json
import time
import urllib.request

from kubesim.bench import pod


def test_labelled_list_of_2000_out_of_6000_pods_is_fast(kubesim, sim):
    for namespace in ("team-a", "team-b"):
        sim.create({"kind": "Namespace", "metadata": {"name": namespace}})
    for index in range(6000):
        sim.create(pod(index, "team-a" if index % 2 else "team-b", "target" if index % 3 == 0 else "other"),
                   settle=False)
    sim.settle()
    request = urllib.request.Request(f"{kubesim.url}/api/v1/pods?labelSelector=devcenter.io/project%3Dtarget",
                                     headers={"Authorization": f"Bearer {kubesim.token}"})
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        with urllib.request.urlopen(request) as response:
            body = json.loads(response.read())
        timings.append(time.perf_counter() - started)
    assert len(body["items"]) == 2000
    assert min(timings) < 0.5
