"""What the server refuses, with its words: 422 Invalid naming the field, 400 for what it cannot
even decode. Sent as raw JSON: kubernetes client 37 validates bodies itself."""

import pytest

from .conftest import raw


def pod(pod_name="p", labels=None, **container):
    return {"metadata": {"name": pod_name, "labels": labels or {}},
            "spec": {"containers": [{"name": "main", "image": "busybox:1.36", **container}]}}


INVALID_PODS = {
    "name": (pod("Bad_Name"), 'metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain'),
    "label value": (pod(labels={"team": "a b"}), 'metadata.labels: Invalid value: "a b": a valid label must be'),
    "label length": (pod(labels={"team": "x" * 64}), "must be no more than 63 characters"),
    "label key": (pod(labels={"bad key": "v"}), 'metadata.labels: Invalid value: "bad key": name part must'),
    "container name": (pod(name="Main_1"),
                       'spec.containers[0].name: Invalid value: "Main_1": a lowercase RFC 1123 label'),
    "requests over limits": (pod(resources={"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}),
                             'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal '
                             "to cpu limit"),
    "gpu without limit": (pod(resources={"requests": {"nvidia.com/gpu": "1"}}),
                          "spec.containers[0].resources.limits: Required value: Limit must be set for non "
                          "overcommitable resources"),
    "gpu request not its limit": (pod(resources={"requests": {"nvidia.com/gpu": "1"}, "limits": {"nvidia.com/gpu": "2"}}),
                                  'spec.containers[0].resources.requests: Invalid value: "1": must be equal to '
                                  "nvidia.com/gpu limit"),
    "negative cpu": (pod(resources={"requests": {"cpu": "-1"}}),
                     'spec.containers[0].resources.requests[cpu]: Invalid value: "-1": must be greater than or equal '
                     "to 0"),
    "container port": (pod(ports=[{"containerPort": 70000}]),
                       "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, "
                       "inclusive"),
    "env name": (pod(env=[{"name": "1BAD", "value": "x"}]),
                 'spec.containers[0].env[0].name: Invalid value: "1BAD": a valid environment variable name'),
}


@pytest.mark.parametrize("case", list(INVALID_PODS), ids=list(INVALID_PODS))
def test_invalid_pods_are_refused_naming_the_field(gateway, namespace, case):
    body, message = INVALID_PODS[case]
    status, answer = raw(gateway, "POST", f"/api/v1/namespaces/{namespace}/pods", body)
    assert (status, answer["reason"]) == (422, "Invalid")
    assert message in answer["message"]
    assert answer["details"]["causes"]


def test_a_malformed_quantity_cannot_even_be_decoded(gateway, namespace):
    status, answer = raw(gateway, "POST", f"/api/v1/namespaces/{namespace}/pods",
                         pod(resources={"requests": {"cpu": "lots"}}))
    assert (status, answer["reason"]) == (400, "BadRequest")
    assert answer["message"].startswith('Pod in version "v1" cannot be handled as a Pod')
    assert "quantities must match the regular expression" in answer["message"]


def test_a_service_port_out_of_range_is_refused(gateway, namespace):
    status, answer = raw(gateway, "POST", f"/api/v1/namespaces/{namespace}/services",
                         {"metadata": {"name": "wide"}, "spec": {"ports": [{"port": 70000}]}})
    assert (status, answer["reason"]) == (422, "Invalid")
    assert "spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive" in answer["message"]


INVALID_SERVICES = {
    "two unnamed ports": ({"ports": [{"port": 80}, {"port": 81}]}, "spec.ports[0].name: Required value"),
    "protocol": ({"ports": [{"port": 80, "protocol": "FOO"}]},
                 'spec.ports[0].protocol: Unsupported value: "FOO": supported values: "SCTP", "TCP", "UDP"'),
    "target port name": ({"ports": [{"port": 80, "targetPort": "Bad_Name"}]},
                         'spec.ports[0].targetPort: Invalid value: "Bad_Name": must contain only alpha-numeric'),
}


@pytest.mark.parametrize("case", list(INVALID_SERVICES), ids=list(INVALID_SERVICES))
def test_invalid_services_are_refused_naming_the_field(gateway, namespace, case):
    service_spec, message = INVALID_SERVICES[case]
    status, answer = raw(gateway, "POST", f"/api/v1/namespaces/{namespace}/services",
                         {"metadata": {"name": "svc"}, "spec": service_spec})
    assert status == 422 and message in answer["message"]


def test_a_service_name_must_start_with_a_letter(gateway, namespace):
    status, answer = raw(gateway, "POST", f"/api/v1/namespaces/{namespace}/services",
                         {"metadata": {"name": "1svc"}, "spec": {"ports": [{"port": 80}]}})
    assert status == 422 and 'metadata.name: Invalid value: "1svc": a DNS-1035 label' in answer["message"]


def test_several_errors_are_listed_together(gateway, namespace):
    status, answer = raw(gateway, "POST", f"/api/v1/namespaces/{namespace}/services",
                         {"metadata": {"name": "svc"}, "spec": {"ports": [{"port": 0}]}})
    assert status == 422
    assert answer["message"].startswith('Service "svc" is invalid: [spec.ports[0].port: Invalid value: 0')
    assert len(answer["details"]["causes"]) == 2  # port and (defaulted) targetPort


def test_bad_selectors_and_continue_tokens_are_bad_requests(gateway, namespace):
    path = f"/api/v1/namespaces/{namespace}/pods"
    status, answer = raw(gateway, "GET", path, query={"labelSelector": "a b"})
    assert status == 400
    assert answer["message"] == "unable to parse requirement: found 'b', expected: '=', '!=', '==', 'in', notin'"
    status, answer = raw(gateway, "GET", path, query={"labelSelector": "a=b=c"})
    assert status == 400 and answer["message"] == "found '=', expected: ',' or 'end of string'"
    status, answer = raw(gateway, "GET", path, query={"limit": "1", "continue": "garbage"})
    assert status == 400 and answer["message"].startswith("invalid continue token: continue key is not valid")
