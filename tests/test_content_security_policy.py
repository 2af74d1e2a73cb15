"""Content-Security-Policy: scripts and styles from our static files or with the request's nonce,
no inline script, handler or style attribute on any page, no eval (htmx configured for it)."""

import re
from html.parser import HTMLParser

import pytest

from tests.test_access_matrix import ROUTES, url
from tests.test_settings_from_environment import load_setting

pytestmark = pytest.mark.django_db

def policy(response):
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split("; ")}


class InlineCode(HTMLParser):
    """Collects what a strict CSP would refuse: inline scripts and styles without the nonce,
    on* handlers, style attributes, hx-on, javascript: URLs."""

    def __init__(self, nonce):
        super().__init__()
        self.nonce = nonce
        self.refused = []
        self._open = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on") or name.startswith("hx-on") or name == "style":
                self.refused.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.refused.append(f"<{tag} {name}={value!r}>")
        # A JSON data block (<script type="application/json">) is not code.
        inline = tag in ("script", "style") and "src" not in attributes and attributes.get("type") != "application/json"
        if inline and attributes.get("nonce") != self.nonce:
            self._open = tag

    def handle_data(self, data):
        if self._open and data.strip():
            self.refused.append(f"<{self._open}> {data.strip()[:60]}…")

    def handle_endtag(self, tag):
        if tag == self._open:
            self._open = None


def refused_inline_code(response):
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    parser = InlineCode(nonce)
    parser.feed(response.content.decode())
    return parser.refused


def test_the_policy(client):
    directives = policy(client.get("/accounts/login/"))
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"][0] == "'self'" and directives["script-src"][1].startswith("'nonce-")
    assert directives["style-src"][0] == "'self'" and directives["style-src"][1].startswith("'nonce-")
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    header = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header


def test_every_response_gets_a_new_nonce_and_htmx_carries_it(client):
    first, second = client.get("/accounts/login/"), client.get("/accounts/login/")
    nonce = policy(first)["script-src"][1]
    assert nonce != policy(second)["script-src"][1]
    assert f'nonce="{nonce[len("nonce-") + 1:-1]}"' in first.content.decode()  # on htmx's <script>


def test_htmx_may_not_inject_styles_or_eval(client):
    html = client.get("/accounts/login/").content.decode()
    assert '"includeIndicatorStyles": false' in html
    assert '"allowEval": false' in html
    assert '"allowScriptTags": false' in html


def test_the_workloads_page_keeps_its_own_htmx_settings_in_the_one_config(client, member, project, quota):
    client.force_login(member)
    html = client.get(f"/p/{project.name}/workloads/").content.decode()
    assert html.count('name="htmx-config"') == 1
    assert ('content=\'{"includeIndicatorStyles": false, "allowEval": false, "allowScriptTags": false, '
            '"historyCacheSize": 0, "refreshOnHistoryMiss": false}\'') in html


def test_login_page_has_no_inline_code(client):
    assert refused_inline_code(client.get("/accounts/login/")) == []


@pytest.mark.parametrize(
    "route",
    [
        r
        for r, view in ROUTES
        if (not r.endswith(("delete/", "refresh/")) or r.endswith("bulk-delete/"))
        and "get" in getattr(view, "http_method_names", ["get"])  # POST-only endpoints have no page
    ],
)
def test_project_pages_have_no_inline_code(client, project_admin, project, quota, make_workload, route):
    workload = make_workload(name="mine", status="deleting")  # in flight: the table polls
    client.force_login(project_admin)
    address = url(route, project, workload)
    if route.endswith("bulk-delete/"):
        address += f"?id={workload.pk}"
    response = client.get(address, follow=True)
    assert response.status_code == 200
    assert refused_inline_code(response) == []


def test_admin_pages_have_no_inline_code(admin_client, make_workload):
    workload = make_workload(name="mine")
    for address in ("/admin/", "/admin/workloads/workload/", f"/admin/workloads/workload/{workload.pk}/change/"):
        assert refused_inline_code(admin_client.get(address)) == [], address


def test_debug_only_reports(settings, tmp_path):
    """With DEBUG on (make run) the policy is report-only: Django's debug pages use inline code."""
    result = load_setting("SECURE_CSP == {}, s.SECURE_CSP_REPORT_ONLY == {}", DEBUG="1", DEVCENTER_VAR_DIR=str(tmp_path))
    assert result.stdout.split() == ["True", "False"], result.stderr
    assert settings.SECURE_CSP and not settings.SECURE_CSP_REPORT_ONLY  # the tests run as production
