"""No input is a 500: hypothesis sends hostile values to every query parameter and form field a
signed-in person can reach: any unicode, invalid UTF-8, 10 KB strings, numbers past PostgreSQL's
integer limits, negative numbers, floats, injection-looking text (NUL has its own test: it is a
400 wherever it is).

One test per page and field: that field gets the hostile values (once or twice), the others are
valid most of the time, so a bad value reaches the code behind the form as it would in life.
Every response must be below 500, and a redirect never leaves the site.
"""

from urllib.parse import quote, quote_from_bytes, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kubesim.testing import kubesim  # noqa: F401  (the fixture)

from projects.models import Cluster, Membership, Role
from tests.conftest import PASSWORD
from workloads.models import WorkloadType
from workloads.status import WorkloadStatus

pytestmark = [
    pytest.mark.django_db,
    # django-tables2 warns about a dotted ?sort= (a float) before it ignores it; if it ever stops
    # ignoring it, these tests say so.
    pytest.mark.filterwarnings("ignore:Use '__' to separate path components:DeprecationWarning"),
]

FUZZ = settings(
    max_examples=60,
    deadline=None,
    # The signed-in client and the database rows are shared by the examples of one test, on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# One test per field of a page: 30 hostile tries each (a page with 8 fields gets 240) keeps the suite fast.
FUZZ_EACH_FIELD = settings(FUZZ, max_examples=30)

EDGE_VALUES = [
    "", " ", "0", "-1", "-0", "00", "1e309", "1e-309", "NaN", "nan", "inf", "-inf", "٣", "１２", "²",
    "9" * 30, "-" + "9" * 30, "2147483648", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
    "0x10", "1_000", "1.5", "' OR 1=1 --", "<script>alert(1)</script>", "%00", "../../etc/passwd",
    "//evil.example.com/", "https://evil.example.com/", "\\\\evil", "\u202e", "\ufeff", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "\r\nSet-Cookie: x=1", "\x01\x1f\x7f", "delete-failed", "csv", "-created", "name",
]
TEN_KB = st.sampled_from(["x", "é", "名", "9", "-", "ab", "%", "\u202e"]).map(lambda s: (s * 10_240)[:10_240])
# Past the int4/int8 limits of PostgreSQL columns and OFFSETs, and small ones around zero.
BIG = st.one_of(
    st.sampled_from([2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**63, 2**64, 10**20, 10**30]),
    st.integers(min_value=2**31, max_value=10**40),
)
NUMBERS = st.one_of(BIG, BIG.map(lambda n: -n), st.integers(min_value=-1000, max_value=1000)).map(str)
# NUL is left out: it is refused before any view runs (test_nul_is_refused_anywhere).
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)  # any but surrogates
BYTES = st.binary(max_size=24).map(lambda b: b.replace(b"\x00", b""))  # sent as they are: invalid UTF-8 too
HOSTILE = st.one_of(st.sampled_from(EDGE_VALUES), TEXT, NUMBERS, st.floats().map(repr), TEN_KB, BYTES)


def encode(value) -> str:
    return quote_from_bytes(value, safe="") if isinstance(value, bytes) else quote(value, safe="")


def urlencoded(pairs) -> str:
    return "&".join(f"{encode(name)}={encode(value)}" for name, value in pairs)


def hostile_form(fields: dict, target: str, *, all_present: bool):
    """[(name, value)]: `target` once or twice with hostile (or now and then valid) values; every
    other field valid three times in four (present always, or when `all_present` is off, at
    hypothesis' choice, as query parameters are); sometimes a stray field nobody expects."""
    others = {
        name: st.lists(st.one_of(valid, valid, valid, HOSTILE), min_size=1, max_size=2)
        for name, valid in fields.items()
        if name != target
    }
    rest = st.fixed_dictionaries(others) if all_present else st.fixed_dictionaries({}, optional=others)
    targeted = st.lists(st.one_of(NUMBERS, st.sampled_from(EDGE_VALUES), HOSTILE, fields[target]), min_size=1, max_size=2)
    stray = st.lists(st.tuples(st.one_of(TEXT, BYTES), HOSTILE), max_size=1)
    return st.tuples(rest, targeted, stray).map(
        lambda parts: [(name, value) for name, values in parts[0].items() for value in values]
        + [(target, value) for value in parts[1]]
        + parts[2]
    )


def check(response):
    assert response.status_code < 500, response.content[:500]
    if 300 <= response.status_code < 400:
        assert urlsplit(response["Location"]).netloc in ("", "testserver"), response["Location"]
    return response


def get(client, path, pairs, htmx=False):
    headers = {"HX-Request": "true"} if htmx else {}
    return check(client.get(f"{path}?{urlencoded(pairs)}", headers=headers))


def post(client, path, pairs, htmx=False):
    headers = {"HX-Request": "true"} if htmx else {}
    body = urlencoded(pairs)
    return check(client.post(path, body, content_type="application/x-www-form-urlencoded", headers=headers))


def ints(low, high):
    return st.integers(min_value=low, max_value=high).map(str)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def member_client(client, member, quota):
    client.force_login(member)
    return client


@pytest.fixture
def admin_client_of_project(client, project_admin, quota):
    client.force_login(project_admin)
    return client


@pytest.fixture
def workloads(make_workload):
    statuses = [WorkloadStatus.RUNNING, WorkloadStatus.DELETING, WorkloadStatus.FAILED]
    return [make_workload(name=f"fuzz-{i}", status=status) for i, status in enumerate(statuses)]


# --- NUL, anywhere ----------------------------------------------------------------------------


@FUZZ
@given(
    page=st.sampled_from(["/p/vision/workloads/", "/p/vision/workloads/launch/", "/p/vision/quotas/",
                          "/p/vision/members/", "/accounts/login/"]),
    pairs=st.lists(st.tuples(TEXT, TEXT), max_size=4),
    nul_in=st.sampled_from(["name", "value"]),
    method=st.sampled_from([get, post]),
)
def test_nul_is_refused_anywhere(admin_client_of_project, page, pairs, nul_in, method):
    pairs = [*pairs, ("x\x00", "v") if nul_in == "name" else ("x", "a\x00b")]
    assert method(admin_client_of_project, page, pairs).status_code == 400


# --- The Workloads page ---------------------------------------------------------------------

LIST_PARAMS = {
    "name": st.text(max_size=12).filter(lambda s: "\x00" not in s),
    "type": st.sampled_from(WorkloadType.values),
    "status": st.sampled_from(WorkloadStatus.values),
    "sort": st.sampled_from(["name", "-name", "created", "-created", "status", "-status", "type", "cluster",
                             "gpu", "select", "actions", "pk", "password"]),
    "page": ints(1, 3),
    "per_page": st.sampled_from(["25", "50", "100"]),
    "refresh_since": st.floats(min_value=0, max_value=4e9).map(str),
    "_export": st.sampled_from(["csv", ""]),
}


@pytest.mark.parametrize("param", LIST_PARAMS)
@FUZZ_EACH_FIELD
@given(data=st.data(), htmx=st.booleans())
def test_workloads_page(member_client, project, workloads, param, data, htmx):
    pairs = data.draw(hostile_form(LIST_PARAMS, param, all_present=False))
    get(member_client, f"/p/{project.name}/workloads/", pairs, htmx)


@FUZZ
@given(query=st.one_of(HOSTILE, st.just("status=running&page=2")))
def test_refresh_keeps_any_view(member_client, project, query):
    response = post(member_client, f"/p/{project.name}/workloads/refresh/", [("query", query)])
    assert response.status_code == 303


# --- Details, logs, delete: ids in the path -------------------------------------------------------


@FUZZ
@given(pk=st.one_of(BIG, st.integers(min_value=0, max_value=1000)), page=st.sampled_from(["", "logs/", "delete/"]))
def test_any_workload_id_in_the_path(member_client, project, pk, page):
    method = member_client.post if page == "delete/" else member_client.get
    assert check(method(f"/p/{project.name}/workloads/{pk}/{page}")).status_code == 404


@FUZZ
@given(next_url=st.one_of(HOSTILE, st.just("/p/vision/workloads/?page=2")))
def test_delete_goes_back_only_to_the_list(member_client, project, workloads, next_url):
    response = post(member_client, f"/p/{project.name}/workloads/{workloads[0].pk}/delete/", [("next", next_url)])
    assert response.status_code == 303
    assert response["Location"].startswith(f"/p/{project.name}/workloads/")


# --- The logs page, against kubesim -----------------------------------------------------------


@pytest.fixture
def logged_workload(kubesim, cluster, make_workload):  # noqa: F811
    Cluster.objects.filter(pk=cluster.pk).update(api_url=kubesim.url, token=kubesim.token, verify_ssl=False)
    kubesim.sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "vision"}})
    workload = make_workload(name="chatty", status=WorkloadStatus.RUNNING)
    kubesim.sim.create({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": "chatty-0", "namespace": "vision",
            "annotations": {"kubesim.io/start-seconds": "0", "kubesim.io/log-lines-per-second": "1"},
            "labels": {"devcenter.io/workload-id": str(workload.pk), "devcenter.io/project": "vision"},
        },
        "spec": {"containers": [{"name": "main", "image": "app"}, {"name": "sidecar", "image": "proxy"}]},
    })
    kubesim.sim.advance(3)
    return workload


LOGS_PARAMS = {
    "tail": st.sampled_from(["100", "500", "2000"]),
    "container": st.sampled_from(["main", "sidecar", ""]),
    "download": st.just("1"),
}


@pytest.mark.parametrize("param", LOGS_PARAMS)
@FUZZ_EACH_FIELD
@given(data=st.data(), htmx=st.booleans())
def test_logs_page(member_client, project, logged_workload, param, data, htmx):
    pairs = data.draw(hostile_form(LOGS_PARAMS, param, all_present=False))
    get(member_client, f"/p/{project.name}/workloads/{logged_workload.pk}/logs/", pairs, htmx)


# --- Bulk delete ------------------------------------------------------------------------------


def bulk_fields(workloads):
    return {
        "id": st.sampled_from([str(w.pk) for w in workloads]),
        "query": st.just("status=running"),
        "next": st.just("/p/vision/workloads/?page=2"),
    }


@pytest.mark.parametrize("field", ["id", "query", "next"])
@FUZZ_EACH_FIELD
@given(data=st.data())
def test_bulk_delete_confirm_and_post(member_client, project, workloads, field, data):
    pairs = data.draw(hostile_form(bulk_fields(workloads), field, all_present=False))
    get(member_client, f"/p/{project.name}/workloads/bulk-delete/", pairs)
    post(member_client, f"/p/{project.name}/workloads/bulk-delete/", pairs)


# --- Launching ------------------------------------------------------------------------------

LAUNCH_FIELDS = {
    "type": st.sampled_from([t for t in WorkloadType.values if t != WorkloadType.CUSTOM]),
    "name": st.from_regex(r"\A[a-z][a-z0-9-]{0,20}[a-z0-9]\Z"),
    "cluster": st.just("east"),
    "image": st.just("python:3.12"),
    "command": st.sampled_from(["python train.py", "echo 'unclosed", ""]),
    "gpu": ints(0, 9),
    "cpu": st.sampled_from(["0.5", "1", "64", "65"]),
    "memory": st.sampled_from(["0.5", "8", "128", "129"]),
    "model": st.just("meta/llama-3"),
    "port": st.sampled_from(["8080", "65535"]),
    "workspace_flavour": st.sampled_from(["jupyterlab", "vscode"]),
    "workers": st.sampled_from(["1", "4", "256"]),
}


@pytest.mark.parametrize("field", LAUNCH_FIELDS)
@FUZZ_EACH_FIELD
@given(data=st.data())
def test_launch_form(member_client, project, field, data):
    pairs = data.draw(hostile_form(LAUNCH_FIELDS, field, all_present=True))
    post(member_client, f"/p/{project.name}/workloads/launch/", pairs)


# --- Quotas ---------------------------------------------------------------------------------


def quota_fields(cluster):
    prefix = f"c{cluster.pk}-"
    return {
        "cluster": st.just(str(cluster.pk)),
        f"{prefix}gpu": ints(0, 20),
        f"{prefix}cpu": st.sampled_from(["0", "1.5", "0.001", "64", "65"]),
        f"{prefix}memory": st.sampled_from(["0", "1.5", "256", "257"]),
    }


@pytest.mark.parametrize("field", ["cluster", "gpu", "cpu", "memory"])
@FUZZ_EACH_FIELD
@given(data=st.data())
def test_quota_form(admin_client_of_project, project, cluster, field, data):
    fields = quota_fields(cluster)
    target = field if field == "cluster" else f"c{cluster.pk}-{field}"
    post(admin_client_of_project, f"/p/{project.name}/quotas/", data.draw(hostile_form(fields, target, all_present=True)))


# --- Members --------------------------------------------------------------------------------


@pytest.fixture
def colleague(make_user, project):
    return Membership.objects.create(project=project, user=make_user("colleague"), role=Role.MEMBER)


@pytest.mark.parametrize("field", ["action", "membership", "username", "role"])
@FUZZ_EACH_FIELD
@given(data=st.data())
def test_members_form(admin_client_of_project, project, colleague, field, data):
    fields = {
        "action": st.sampled_from(["add", "role", "remove"]),
        "membership": st.just(str(colleague.pk)),  # removed and added back along the way
        "username": st.sampled_from(["colleague", "lead", "nobody"]),
        "role": st.sampled_from(Role.values),
    }
    post(admin_client_of_project, f"/p/{project.name}/members/", data.draw(hostile_form(fields, field, all_present=True)))
    # Whatever was sent, the project keeps an admin.
    assert Membership.objects.filter(project=project, role=Role.ADMIN).exists()


# --- Signing in -----------------------------------------------------------------------------

LOGIN_FIELDS = {
    "username": st.sampled_from(["member", "nobody"]),
    "password": st.just(PASSWORD),
    "next": st.sampled_from(["/p/vision/workloads/", "https://evil.example.com/", "//evil.example.com"]),
    "keep_signed_in": st.just("on"),
}


@pytest.mark.parametrize("field", LOGIN_FIELDS)
@FUZZ_EACH_FIELD
@given(data=st.data())
def test_login_form(client, member, field, data):
    post(client, "/accounts/login/", data.draw(hostile_form(LOGIN_FIELDS, field, all_present=True)))
    client.logout()
