"""A Kubernetes object as devcenter shows it to a person: without the noise, without secrets.

Pure (no I/O). What comes from a cluster is untrusted: parts of the wrong type are kept as they
are (they are only shown), never trusted to be what their names say.

- `metadata.managedFields` (server-side apply bookkeeping) is dropped, and so is the
  `kubectl.kubernetes.io/last-applied-configuration` annotation (a copy of the object as last
  applied: for a Secret, its data).
- A Secret's `data` and `stringData` become "<n keys hidden>".
- An environment variable that takes its value from a Secret (`valueFrom.secretKeyRef`) shows
  only the reference: a `value` beside it is dropped.
"""

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def _hidden(value) -> str:
    count = len(value) if isinstance(value, dict | list) else 1
    return f"<{count} key{'' if count == 1 else 's'} hidden>"


def _env_entry(entry):
    if not isinstance(entry, dict):
        return entry
    value_from = entry.get("valueFrom")
    if isinstance(value_from, dict) and "secretKeyRef" in value_from:
        return {key: value for key, value in entry.items() if key != "value"}
    return entry


def _walk(value):
    """Every `env` list anywhere in the object (containers of pods, templates, custom resources)."""
    if isinstance(value, dict):
        shown = {}
        for key, item in value.items():
            if key == "env" and isinstance(item, list):
                shown[key] = [_walk(_env_entry(entry)) for entry in item]
            else:
                shown[key] = _walk(item)
        return shown
    if isinstance(value, list):
        return [_walk(item) for item in value]
    return value


def shown_object(obj: dict) -> dict:
    """`obj` (a whole object as the API returned it) as a person may see it."""
    shown = _walk(obj)
    metadata = shown.get("metadata")
    if isinstance(metadata, dict):
        metadata.pop("managedFields", None)
        annotations = metadata.get("annotations")
        if isinstance(annotations, dict):
            annotations.pop(LAST_APPLIED, None)
    if shown.get("kind") == "Secret":
        for key in ("data", "stringData"):
            if key in shown:
                shown[key] = _hidden(shown[key])
    return shown
