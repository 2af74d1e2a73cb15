"""PATCH bodies: JSON merge patch (RFC 7386), a strategic merge patch approximation, and
JSON patch (RFC 6902).

Strategic merge differs from merge patch in that lists of objects that all carry a `name`
(containers, env, ports, volumes) are merged by name instead of replaced, and an item
`{"name": x, "$patch": "delete"}` removes that entry.
"""

import copy

from kubesim.errors import ApiError, bad_request


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _named_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) and "name" in item for item in value)


def strategic_merge_patch(target, patch):
    if isinstance(patch, list) and _named_list(patch) and _named_list(target):
        merged = [dict(item) for item in target]
        positions = {item["name"]: index for index, item in enumerate(merged)}
        deleted = set()
        for item in patch:
            if item.get("$patch") == "delete":
                deleted.add(item["name"])
            elif item["name"] in positions:
                index = positions[item["name"]]
                merged[index] = strategic_merge_patch(merged[index], item)
            else:
                positions[item["name"]] = len(merged)
                merged.append(copy.deepcopy(item))
        return [item for item in merged if item["name"] not in deleted]
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if value is None:
            result.pop(key, None)
        else:
            result[key] = strategic_merge_patch(result.get(key), value)
    return result


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise bad_request(f"invalid JSON pointer {path!r}")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _parent(document, parts: list[str], path: str):
    current = document
    for part in parts[:-1]:
        if isinstance(current, list):
            current = current[int(part)]
        elif isinstance(current, dict) and part in current:
            current = current[part]
        else:
            raise _unprocessable(f"doc is missing path: {path!r}")
    return current


def _unprocessable(message: str) -> ApiError:
    return ApiError(422, f"the server rejected our request due to an error in our request: {message}", "Invalid")


def json_patch(document, operations):
    if not isinstance(operations, list):
        raise bad_request("json patch must be a list of operations")
    document = copy.deepcopy(document)
    for operation in operations:
        op, path = operation.get("op"), operation.get("path", "")
        try:
            if op == "add":
                document = _add(document, _pointer(path), copy.deepcopy(operation["value"]), path)
            elif op == "remove":
                _remove(document, _pointer(path), path)
            elif op == "replace":
                _remove(document, _pointer(path), path)
                document = _add(document, _pointer(path), copy.deepcopy(operation["value"]), path)
            elif op == "test":
                if _get(document, _pointer(path), path) != operation.get("value"):
                    raise _unprocessable(f"testing value {path} failed")
            elif op in ("move", "copy"):
                source = _pointer(operation["from"])
                value = copy.deepcopy(_get(document, source, operation["from"]))
                if op == "move":
                    _remove(document, source, operation["from"])
                document = _add(document, _pointer(path), value, path)
            else:
                raise bad_request(f"unexpected json patch operation {op!r}")
        except (KeyError, IndexError, ValueError, TypeError) as error:
            raise _unprocessable(f"{op} operation does not apply: doc is missing path: {path!r} ({error})") from None
    return document


def _get(document, parts, path):
    current = document
    for part in parts:
        if isinstance(current, list):
            current = current[int(part)]
        elif isinstance(current, dict) and part in current:
            current = current[part]
        else:
            raise _unprocessable(f"doc is missing path: {path!r}")
    return current


def _add(document, parts, value, path):
    if not parts:
        return value
    parent = _parent(document, parts, path)
    key = parts[-1]
    if isinstance(parent, list):
        if key == "-":
            parent.append(value)
        else:
            index = int(key)
            if index > len(parent):
                raise _unprocessable(f"index out of range in {path!r}")
            parent.insert(index, value)
    else:
        parent[key] = value
    return document


def _remove(document, parts, path):
    parent = _parent(document, parts, path)
    key = parts[-1] if parts else None
    if isinstance(parent, list):
        del parent[int(key)]
    elif isinstance(parent, dict) and key in parent:
        del parent[key]
    else:
        raise _unprocessable(f"doc is missing path: {path!r}")
