"""A LIST page decoded with msgspec (only the kept fields) slims to exactly what `json.loads`
gave, and a page of another shape (untrusted input) is refused so it can be read whole."""

import json

import pytest

from workloads.cluster.gateway import _slim
from workloads.cluster.kinds import by_name
from workloads.cluster.list_decoding import PageShapeError, decode_page

JOB = {
    "metadata": {
        "name": "train-1", "namespace": "vision", "uid": "u-1", "resourceVersion": "17",
        "labels": {"devcenter.io/workload-id": "7"}, "annotations": {"devcenter.io/submitter": "ann", "x": "y"},
        "ownerReferences": [{"kind": "Thing", "uid": "o-1"}], "creationTimestamp": "2026-01-01T00:00:00Z",
        "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}],
    },
    "spec": {"completions": 1, "parallelism": 1, "template": {"spec": {"containers": [{"name": "c"}],
                                                                       "volumes": [{"name": "v"}]}}},
    "status": {"active": 1, "conditions": [{"type": "Suspended", "status": "False"}]},
}


def page(*items, **metadata):
    return json.dumps({"kind": "JobList", "metadata": metadata, "items": list(items)}).encode()


def slimmed(listed):
    return [_slim({**item, "kind": "Job", "apiVersion": "batch/v1"}, by_name["Job"]) for item in listed["items"]]


def test_a_decoded_page_slims_as_the_whole_json_does():
    body = page(JOB, {"metadata": {"name": "bare"}}, resourceVersion="42", **{"continue": "token"})
    decoded = decode_page(body, by_name["Job"].keep_spec)
    assert slimmed(decoded) == slimmed(json.loads(body))
    assert decoded["metadata"] == {"resourceVersion": "42", "continue": "token"}
    assert "managedFields" not in decoded["items"][0]["metadata"]
    assert decoded["items"][0]["spec"]["template"] == {"spec": {"containers": [{"name": "c"}]}}  # no volumes


@pytest.mark.parametrize(
    "body",
    [b"[1, 2]", page("not an object"), page({"metadata": "a string"}), b'{"items": {}}', b"{not json",
     page({"spec": {"template": "a string"}})],
)
def test_a_page_of_another_shape_is_refused(body):
    with pytest.raises(PageShapeError):
        decode_page(body, by_name["Job"].keep_spec)
