"""Writing a kubeconfig that points the kubernetes client at a kubesim server."""

import json
import os


def kubeconfig(url: str, token: str, context: str = "kubesim") -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": {"server": url}}],
        "users": [{"name": f"{context}-user", "user": {"token": token}}],
        "contexts": [{"name": context, "context": {"cluster": context, "user": f"{context}-user",
                                                   "namespace": "default"}}],
        "current-context": context,
        "preferences": {},
    }


def write_kubeconfig(path: str, url: str, token: str, context: str = "kubesim") -> str:
    """JSON is valid YAML, so the client's loader reads it and no YAML writer is needed."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = f"{path}.tmp"
    with open(tmp, "w") as handle:
        json.dump(kubeconfig(url, token, context), handle, indent=2)
    os.replace(tmp, path)
    return path
