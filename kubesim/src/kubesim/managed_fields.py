"""`metadata.managedFields`: which manager set which fields, as the server records every write.

Close to the server's FieldsV1, not exact: a create owns every field it sent (after defaults),
an update owns the fields it changed; ownership is never taken away from another manager.
List items with a merge key are `k:{...}` entries (containers by name, ports by port and
protocol, conditions by type), other lists are owned whole. kubesim's own controllers record
their fields two levels deep (`f:status: {f:conditions: {}}`): cheap, and nobody reads deeper.
"""

import json

SERVER_METADATA = frozenset({"name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
                             "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink",
                             "generateName"})
_MERGE_KEYS = (("containerPort", "protocol"), ("port", "protocol"), ("name",), ("type",), ("uid",), ("mountPath",),
               ("ip",), ("devicePath",))


def manager_from_user_agent(user_agent: str | None) -> str:
    """`OpenAPI-Generator/37.1.0/python` -> `OpenAPI-Generator` (the server keeps the part before `/`)."""
    return (user_agent or "").split("/", 1)[0].strip()[:128] or "unknown"


def _item_key(item) -> str | None:
    if not isinstance(item, dict):
        return None
    for keys in _MERGE_KEYS:
        if all(key in item for key in keys):
            return "k:{" + ",".join(f'"{key}":{json.dumps(item[key])}' for key in keys) + "}"
    return None


def _keyed(items) -> dict | None:
    """{key: item} for a list whose items all have a merge key, else None (an atomic list)."""
    if not isinstance(items, list) or not items:
        return None
    keyed = {}
    for item in items:
        key = _item_key(item)
        if key is None:
            return None
        keyed[key] = item
    return keyed


def fieldset(value, depth: int | None = None) -> dict:
    """The FieldsV1 tree of everything in `value` (a dict), `depth` levels deep (None: all)."""
    if depth == 0:
        return {}
    deeper = None if depth is None else depth - 1
    return {f"f:{key}": _child_set(child, deeper) for key, child in value.items()}


def _child_set(child, depth: int | None = None) -> dict:
    if depth == 0:
        return {}
    if isinstance(child, dict) and child:
        return {".": {}, **fieldset(child, depth)}
    keyed = _keyed(child)
    if keyed is not None:
        deeper = None if depth is None else depth - 1
        return {".": {}, **{key: {".": {}, **fieldset(item, deeper)} for key, item in keyed.items()}}
    return {}


def changed(old, new, depth: int | None = None) -> dict:
    """The FieldsV1 tree of what differs in `new` from `old` (both dicts)."""
    if depth == 0:
        return {}
    deeper = None if depth is None else depth - 1
    out = {}
    for key, child in new.items():
        before = old.get(key) if isinstance(old, dict) else None
        if before == child:
            continue
        if isinstance(child, dict) and isinstance(before, dict):
            inner = changed(before, child, deeper)
            out[f"f:{key}"] = {".": {}, **inner} if child and deeper != 0 else {}
            continue
        keyed, keyed_before = (_keyed(child), _keyed(before)) if deeper != 0 else (None, None)
        if keyed is not None and keyed_before is not None:
            items = {}
            for item_key, item in keyed.items():
                if keyed_before.get(item_key) != item:
                    items[item_key] = {".": {}, **changed(keyed_before.get(item_key) or {}, item, deeper)}
            out[f"f:{key}"] = {".": {}, **items}
            continue
        out[f"f:{key}"] = _child_set(child, deeper)
    return out


def union(a: dict, b: dict) -> dict:
    out = dict(a)
    for key, value in b.items():
        out[key] = union(out[key], value) if key in out and isinstance(out[key], dict) else value
    return out


def tracked(obj: dict, subresource: str | None) -> dict:
    """The part of `obj` a manager can own: no server-set metadata; status only through /status."""
    if subresource == "status":
        return {"status": obj.get("status") or {}}
    metadata = {key: value for key, value in (obj.get("metadata") or {}).items() if key not in SERVER_METADATA}
    body = {key: value for key, value in obj.items() if key not in ("apiVersion", "kind", "metadata", "status")}
    if metadata:
        body["metadata"] = metadata
    return body


def record(obj: dict, old: dict | None, manager: str, when: str, subresource: str | None = None,
           depth: int | None = None) -> None:
    """Update `obj["metadata"]["managedFields"]` for a write of `obj` (replacing `old`) by `manager`."""
    metadata = obj["metadata"]
    entries = [dict(entry) for entry in (old or {}).get("metadata", {}).get("managedFields") or ()]
    fields = changed(tracked(old, subresource), tracked(obj, subresource), depth) if old is not None \
        else fieldset(tracked(obj, None), depth)
    if not fields:
        metadata["managedFields"] = entries
        if not entries:
            metadata.pop("managedFields", None)
        return
    for entry in entries:
        if entry.get("manager") == manager and entry.get("subresource") == subresource:
            entry["fieldsV1"] = union(entry.get("fieldsV1") or {}, fields)
            entry["time"] = when
            break
    else:
        entry = {"manager": manager, "operation": "Update", "apiVersion": obj.get("apiVersion", "v1"), "time": when,
                 "fieldsType": "FieldsV1", "fieldsV1": fields}
        if subresource:
            entry["subresource"] = subresource
        entries.append(entry)
    metadata["managedFields"] = entries
