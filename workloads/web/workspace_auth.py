"""The workspace forward-auth: may the person behind this request open the workspace it is for?

An ingress controller calls `GET /auth/workspace/` before it forwards a request to a workspace
(nginx `auth_request`, ingress-nginx `auth-url`, Traefik ForwardAuth, the pattern of
oauth2-proxy's `/oauth2/auth`) and forwards the request only on a 2xx:

- 200: a signed-in member of the workspace's project (a platform admin too: `for_user`), with
  the headers the controller copies into the forwarded request (`AUTH_RESPONSE_HEADERS`):
  `Authorization`/`Cookie` carrying the server's key, the browser's cookies without devcenter's
  session and CSRF cookies (the workspace runs its owner's code: it must never see them), and
  `X-Auth-Request-User`;
- 401: nobody signed in (the controller sends the browser to the sign-in page);
- 403: anyone else, and for a workspace that does not exist (never a 404: it would tell an
  outsider which workspaces exist), a URI not in canonical form, headers that disagree;
- never a redirect or a 500; always `Cache-Control: no-store`; only GET (405 otherwise).

WHO is asking comes only from devcenter's session cookie, never from a header: an
`X-Forwarded-User` or `X-Auth-Request-User` sent by the browser is ignored here and replaced
by the controller. WHICH workspace comes from the URI the controller forwards:
`X-Original-URI` (nginx `auth_request` as the README configures it), `X-Original-URL`
(ingress-nginx, a full URL) or `X-Forwarded-Uri` (Traefik). The controller sets its own;
the others pass through from the browser, so every one present must name the same path, or a
browser could name its own workspace in a header while requesting someone else's.

The controller routes on the normalised path but forwards the URI as sent: a path with `.`
or `..` segments, empty segments (`//`) or an encoded `/` is refused rather than normalised
here, so devcenter never judges a different path than the one routed (browsers never send one).
"""

import logging
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, Subquery
from django.http import HttpResponse

from projects.models import Project
from workloads.lifecycle.launch_spec import browser_path, workload_flavour, workspace_key
from workloads.models import Workload
from workloads.status import WorkloadStatus
from workloads.types import LAUNCHABLE

logger = logging.getLogger(__name__)

# Header -> its WSGI name. Each holds the original request's URI (or full URL).
FORWARDED_URI_HEADERS = {
    "X-Original-URI": "HTTP_X_ORIGINAL_URI",
    "X-Original-URL": "HTTP_X_ORIGINAL_URL",
    "X-Forwarded-Uri": "HTTP_X_FORWARDED_URI",
}
URL_TYPES = tuple(type_.value for type_, record in LAUNCHABLE.items() if record.has_url)
# A workspace URL is `{base URL}/<project>/<name>/`; the base URL's own path may have this many segments.
MAX_BASE_PATH_SEGMENTS = 4
NOT_ALLOWED = "You may not open this workspace."


class Refused(Exception):
    """The request names no workspace devcenter can judge: 403 with this message."""


def _answer(status: int, text: str, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(text + "\n", status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def forward_auth(request):
    if request.method != "GET":
        response = _answer(405, "The workspace forward-auth answers GET only.")
        response["Allow"] = "GET"
        return response
    user = request.user
    if not user.is_authenticated:
        return _answer(401, "Sign in to open this workspace.")
    try:
        segments = path_segments(forwarded_path(request.META))
        workspace = routed_workspace(segments, user)
    except Refused as refused:
        logger.info("workspace forward-auth refused %s: %s", user.get_username(), refused)
        return _answer(403, f"{NOT_ALLOWED} {refused}")
    if workspace is None or not workspace.may_open:
        return _answer(403, NOT_ALLOWED)
    return _answer(200, "OK", workspace_headers(workspace, user, request.META.get("HTTP_COOKIE", "")))


def forwarded_path(meta) -> str:
    """The path of the original request, from every forwarded-URI header present (they must agree)."""
    paths = {}
    for header, key in FORWARDED_URI_HEADERS.items():
        if key in meta:
            paths[header] = _path_of(header, meta[key])
    if not paths:
        raise Refused(f"The ingress sent none of {', '.join(FORWARDED_URI_HEADERS)}.")
    if len(set(paths.values())) > 1:
        raise Refused(f"{' and '.join(paths)} name different paths.")
    return next(iter(paths.values()))


def _path_of(header: str, value: str) -> str:
    value = value.strip()
    if value.startswith("/"):
        path = value.split("?", 1)[0].split("#", 1)[0]
    else:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.path.startswith("/"):
            raise Refused(f"{header} is neither a path nor an http(s) URL.")
        path = parts.path
    return path


def path_segments(path: str) -> list[str]:
    """The decoded segments of a canonical path ("/a/b/" -> ["a", "b"]); Refused otherwise."""
    raw = path.split("/")[1:]
    if raw and raw[-1] == "":
        raw.pop()  # the trailing slash
    segments = []
    for part in raw:
        try:
            segment = unquote(part, errors="strict")
        except UnicodeDecodeError:
            raise Refused("The path is not UTF-8.") from None
        if segment in ("", ".", "..") or any(c in segment for c in "/\\\x00"):
            raise Refused("The path is not in canonical form.")
        segments.append(segment)
    return segments


def routed_workspace(segments: list[str], user) -> Workload | None:
    """The live workspace whose URL path is the longest prefix of `segments` (the one the
    ingress routes to), annotated `may_open` for `user`; None when there is none. One query."""
    pairs = {
        (segments[i], segments[i + 1])
        for i in range(min(len(segments) - 1, MAX_BASE_PATH_SEGMENTS + 1))
    }
    if not pairs:
        return None
    named = Q()
    for project, name in pairs:
        # project_id = (its id) rather than a join on the name: each arm is then an index scan
        # of (project, name) (a join OR-ed five times is a scan of the whole table).
        named |= Q(project_id=Subquery(Project.objects.filter(name=project).values("id")[:1]), name=name)
    candidates = (
        Workload.objects.filter(named, type__in=URL_TYPES)
        .exclude(status__in=(WorkloadStatus.DELETING, WorkloadStatus.DELETED))
        .annotate(may_open=Exists(Project.objects.for_user(user).filter(pk=OuterRef("project_id"))))
        .select_related("project")
        .only("id", "name", "type", "spec", "workspace_url", "project__name")
        .order_by()
    )
    routed, longest = None, 0
    for workload in candidates:
        served = _served_segments(workload)
        if served and len(served) > longest and segments[: len(served)] == served:
            routed, longest = workload, len(served)
    return routed


def _served_segments(workload: Workload) -> list[str] | None:
    """The segments of the path the workspace is published under (its Ingress path)."""
    path = urlsplit(workload.workspace_url).path or browser_path(workload.project.name, workload.name)
    try:
        return path_segments(path)
    except Refused:
        return None


def workspace_headers(workspace: Workload, user, cookie_header: str) -> dict[str, str]:
    """What the ingress puts into the request it forwards (replacing what the browser sent)."""
    try:
        flavour = workload_flavour(workspace)
    except ValueError:
        flavour = None  # a stored flavour this devcenter no longer knows: no key to give
    authorization, key_cookies = flavour.credentials(workspace_key(workspace.pk)) if flavour else ("", {})
    headers = {"X-Auth-Request-User": user.get_username()}
    if authorization:
        headers["Authorization"] = authorization
    cookies = workspace_cookies(cookie_header, key_cookies)
    if cookies:
        headers["Cookie"] = cookies
    return headers


def workspace_cookies(cookie_header: str, add: dict[str, str]) -> str:
    """The browser's cookies without devcenter's (and without ones named like `add`), plus `add`."""
    withheld = {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, *add}
    kept = [
        part.strip()
        for part in cookie_header.split(";")
        if part.strip() and part.split("=", 1)[0].strip() not in withheld
    ]
    return "; ".join([*kept, *(f"{name}={value}" for name, value in add.items())])
