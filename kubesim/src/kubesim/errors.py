"""API errors, rendered as Kubernetes `Status` objects with the real reasons and codes."""

REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


class ApiError(Exception):
    def __init__(self, code: int, message: str, reason: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = REASONS.get(code, "Unknown") if reason is None else reason  # "": none, as a proxy error
        self.details = details

    def status(self) -> dict:
        return status_object(self.code, self.message, self.reason, self.details)


def status_object(code: int, message: str, reason: str, details: dict | None = None) -> dict:
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure" if code >= 400 else "Success",
        "message": message,
    }
    if reason:
        body["reason"] = reason
    body["code"] = code
    if details is not None:
        body["details"] = details
    return body


def not_found(resource: str, name: str, group: str = "") -> ApiError:
    qualified = f"{resource}.{group}" if group else resource
    return ApiError(
        404,
        f'{qualified} "{name}" not found',
        "NotFound",
        {"name": name, "group": group, "kind": resource} if group else {"name": name, "kind": resource},
    )


def already_exists(resource: str, name: str, group: str = "") -> ApiError:
    qualified = f"{resource}.{group}" if group else resource
    details = {"name": name, "kind": resource}
    if group:
        details["group"] = group
    return ApiError(409, f'{qualified} "{name}" already exists', "AlreadyExists", details)


def conflict(resource: str, name: str, why: str, group: str = "") -> ApiError:
    qualified = f"{resource}.{group}" if group else resource
    details = {"name": name, "kind": resource}
    if group:
        details["group"] = group
    return ApiError(409, f'Operation cannot be fulfilled on {qualified} "{name}": {why}', "Conflict", details)


def invalid(kind: str, name: str, causes: list[tuple[str, str, str]], group: str = "") -> ApiError:
    """causes: (field, reason, message) e.g. ("spec.containers", "FieldValueRequired", "Required value")."""
    summary = ", ".join(f"{field}: {message}" for field, _, message in causes)
    if len(causes) > 1:
        summary = f"[{summary}]"  # the server brackets a list of errors
    details = {
        "name": name,
        "kind": kind,
        "causes": [{"reason": reason, "message": message, "field": field} for field, reason, message in causes],
    }
    if group:
        details["group"] = group
    return ApiError(422, f'{kind}{"." + group if group else ""} "{name}" is invalid: {summary}', "Invalid", details)


def bad_request(message: str) -> ApiError:
    return ApiError(400, message, "BadRequest")


def forbidden(resource: str, name: str, why: str, group: str = "", causes: list | None = None) -> ApiError:
    """403 as admission answers it: `pods "x" is forbidden: <why>`."""
    qualified = f"{resource}.{group}" if group else resource
    details = {"name": name, "kind": resource}
    if group:
        details["group"] = group
    if causes:
        details["causes"] = [{"reason": reason, "message": message, "field": field} for field, reason, message in causes]
    return ApiError(403, f'{qualified} "{name}" is forbidden: {why}', "Forbidden", details)


def uid_conflict(kind: str, name: str, sent: str, stored: str, group: str = "") -> ApiError:
    """409 for a delete whose preconditions.uid is not the object's (the storage layer's words)."""
    qualified = f"{kind}.{group}" if group else kind
    details = {"name": name, "kind": kind}
    if group:
        details["group"] = group
    return ApiError(409, f'Operation cannot be fulfilled on {qualified} "{name}": the UID in the precondition ({sent}) '
                         f"does not match the UID in record ({stored}). The object might have been deleted and then "
                         "recreated", "Conflict", details)
