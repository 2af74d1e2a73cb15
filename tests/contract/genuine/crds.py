"""CustomResourceDefinitions the genuine tier installs, so custom kinds are served for real.

KServe's own CRD is thousands of lines of schema; the contract needs only what the apiserver
does with any CRD (storage, label selectors, paging, status subresource), so this one keeps
KServe's names and accepts any spec.
"""

import json
import time
import urllib.request

KSERVE_INFERENCE_SERVICE = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "inferenceservices.serving.kserve.io"},
    "spec": {
        "group": "serving.kserve.io",
        "scope": "Namespaced",
        "names": {"kind": "InferenceService", "listKind": "InferenceServiceList", "plural": "inferenceservices",
                  "singular": "inferenceservice", "shortNames": ["isvc"]},
        "versions": [{
            "name": "v1beta1", "served": True, "storage": True,
            "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
            "subresources": {"status": {}},
        }],
    },
}


def install(plane, crd: dict, timeout: float = 30.0) -> None:
    """Create `crd` on the control plane and wait until it is Established (served)."""
    name = crd["metadata"]["name"]
    path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    request = urllib.request.Request(plane.url + path, data=json.dumps(crd).encode(), method="POST", headers={
        "Authorization": f"Bearer {plane.token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10, context=plane.ssl_context()):
        pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, body = plane.get(f"{path}/{name}")
        conditions = (json.loads(body).get("status", {}).get("conditions") or []) if status == 200 else []
        if any(c["type"] == "Established" and c["status"] == "True" for c in conditions):
            return
        time.sleep(0.1)
    raise RuntimeError(f"CRD {name} not established after {timeout:.0f} s")
