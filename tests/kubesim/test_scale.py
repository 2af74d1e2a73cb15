"""A labelled LIST over HTTP finds exactly the selected pods among thousands.

How fast it is lives in `make bench` (kubesim.bench: 10k of 50k pods), not here."""

import json
import urllib.request

from kubesim.bench import pod


def test_labelled_list_of_2000_out_of_6000_pods(kubesim, sim):
    for namespace in ("team-a", "team-b"):
        sim.create({"kind": "Namespace", "metadata": {"name": namespace}})
    for index in range(6000):
        sim.create(pod(index, "team-a" if index % 2 else "team-b", "target" if index % 3 == 0 else "other"),
                   settle=False)
    sim.settle()
    request = urllib.request.Request(f"{kubesim.url}/api/v1/pods?labelSelector=devcenter.io/project%3Dtarget",
                                     headers={"Authorization": f"Bearer {kubesim.token}"})
    with urllib.request.urlopen(request) as response:
        body = json.loads(response.read())
    assert len(body["items"]) == 2000
    assert all(item["metadata"]["labels"]["devcenter.io/project"] == "target" for item in body["items"])
