"""GET /auth/workspace/: the forward-auth an ingress controller asks before each workspace request.

Who asks comes from devcenter's session cookie only; which workspace from the forwarded URI.
The end-to-end version, through a real nginx, is tests/web/test_workspace_auth_nginx.py.
"""

import pytest
from django.conf import settings

from projects.models import Membership, Role
from workloads.lifecycle.launch_spec import workspace_key
from workloads.models import WorkloadType
from workloads.status import WorkloadStatus

AUTH = "/auth/workspace/"
URL = "https://ws.example.com/vision/notebook/"


@pytest.fixture
def notebook(make_workload):
    return make_workload(
        name="notebook", type=WorkloadType.WORKSPACE, workspace_url=URL, spec={"workspace_flavour": "jupyterlab"}
    )


@pytest.fixture
def outsiders_workspace(make_workload, other_project):
    return make_workload(project=other_project, name="mine", type=WorkloadType.WORKSPACE, namespace="sandbox",
                         workspace_url="https://ws.example.com/sandbox/mine/")


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def ask(client, uri="/vision/notebook/lab/tree/x.ipynb?reset", **headers):
    if uri is not None:
        headers.setdefault("HTTP_X_ORIGINAL_URI", uri)
    return client.get(AUTH, **headers)


def assert_answer(response, status):
    assert response.status_code == status, response.content
    # Never cached by the ingress or a browser (a signed-in answer is also `private`).
    assert "no-store" in {part.strip() for part in response["Cache-Control"].split(",")}
    assert "Location" not in response


@pytest.mark.django_db
def test_a_member_may_open_the_workspace_and_the_ingress_gets_its_key(member_client, notebook, member):
    member_client.cookies["_xsrf"] = "jupyters-own"
    response = ask(member_client)
    assert_answer(response, 200)
    assert response["X-Auth-Request-User"] == "member"
    assert response["Authorization"] == f"token {workspace_key(notebook.pk)}"
    # The workspace keeps its own cookies, never devcenter's session (nor its CSRF cookie).
    assert response["Cookie"] == "_xsrf=jupyters-own"
    assert settings.SESSION_COOKIE_NAME in member_client.cookies


@pytest.mark.django_db
def test_vs_code_gets_its_key_as_its_session_cookie(member_client, make_workload):
    code = make_workload(name="editor", type=WorkloadType.WORKSPACE, workspace_url="https://ws.example.com/vision/editor/",
                         spec={"workspace_flavour": "vscode"})
    member_client.cookies["code-server-session"] = "forged-by-the-browser"
    response = ask(member_client, "/vision/editor/")
    assert_answer(response, 200)
    assert response["Cookie"] == f"code-server-session={workspace_key(code.pk)}"
    assert not response.has_header("Authorization")


@pytest.mark.django_db
def test_anonymous_is_401_so_the_ingress_can_send_it_to_sign_in(client, notebook):
    assert_answer(ask(client), 401)
    assert_answer(ask(client, HTTP_X_FORWARDED_USER="member", HTTP_X_AUTH_REQUEST_USER="member"), 401)


@pytest.mark.django_db
def test_an_outsider_is_403_and_an_unknown_workspace_looks_the_same(client, notebook, outsider):
    client.force_login(outsider)
    denied = ask(client)
    assert_answer(denied, 403)
    unknown = ask(client, "/vision/no-such-notebook/")
    assert_answer(unknown, 403)
    assert denied.content == unknown.content
    assert not denied.has_header("Authorization") and not denied.has_header("X-Auth-Request-User")


@pytest.mark.django_db
def test_a_forged_user_header_does_not_help(client, notebook, outsider):
    client.force_login(outsider)
    assert_answer(ask(client, HTTP_X_FORWARDED_USER="member", HTTP_X_AUTH_REQUEST_USER="member",
                      HTTP_REMOTE_USER="member"), 403)


@pytest.mark.django_db
def test_a_platform_admin_may_open_any_workspace(client, notebook, make_user):
    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    assert_answer(ask(client), 200)


@pytest.mark.django_db
def test_a_deactivated_member_is_signed_out(member_client, notebook, member):
    member.is_active = False
    member.save()
    assert_answer(ask(member_client), 401)


@pytest.mark.django_db
@pytest.mark.parametrize("status", [WorkloadStatus.DELETING, WorkloadStatus.DELETED])
def test_a_workspace_being_deleted_is_closed(member_client, notebook, status):
    notebook.status = status
    notebook.save()
    assert_answer(ask(member_client), 403)


@pytest.mark.django_db
def test_only_workspaces_are_opened_not_other_services_at_the_same_path(member_client, make_workload):
    make_workload(name="notebook", type=WorkloadType.INFERENCE, workspace_url=URL)
    assert_answer(ask(member_client), 403)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_ORIGINAL_URL": "https://ws.example.com/vision/notebook/api/kernels"},  # ingress-nginx
        {"HTTP_X_FORWARDED_URI": "/vision/notebook/api", "HTTP_X_FORWARDED_HOST": "ws.example.com"},  # Traefik
        {"HTTP_X_ORIGINAL_URI": "/vision/notebook/", "HTTP_X_ORIGINAL_URL": "https://ws.example.com/vision/notebook/"},
        {"HTTP_X_ORIGINAL_URI": "/vision/notebook"},  # before the server adds its slash
        {"HTTP_X_ORIGINAL_URI": "/vision/note%62ook/files/My%20Notes.txt"},
    ],
    ids=["ingress-nginx", "traefik", "both-agree", "no-slash", "encoded"],
)
def test_each_ingress_names_the_workspace_its_own_way(member_client, notebook, headers):
    assert_answer(ask(member_client, uri=None, **headers), 200)


@pytest.mark.django_db
def test_uri_headers_that_disagree_are_refused(client, notebook, outsider, outsiders_workspace):
    # The outsider's own workspace named in a header the ingress does not set, while the
    # request (X-Original-URI, set by nginx) is for the member's.
    client.force_login(outsider)
    assert_answer(ask(client, "/sandbox/mine/"), 200)
    refused = ask(client, "/vision/notebook/", HTTP_X_FORWARDED_URI="/sandbox/mine/")
    assert_answer(refused, 403)
    assert b"name different paths" in refused.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "uri",
    [
        # Routed (normalised) to /vision/notebook/, yet starting with the outsider's own path.
        "/sandbox/mine/../../vision/notebook/",
        "/sandbox/mine/%2e%2e/%2E%2E/vision/notebook/",
        "/sandbox/mine/..%2F..%2Fvision/notebook/",
        "/sandbox/mine/..\\..\\vision/notebook/",
        "/sandbox/mine/./lab",
        "/sandbox//mine/",
        "/sandbox/mine/%ff/",
        "/",
        "sandbox/mine/",
        "ftp://ws.example.com/sandbox/mine/",
    ],
)
def test_a_uri_not_in_canonical_form_is_refused_not_normalised(client, outsider, notebook, outsiders_workspace, uri):
    client.force_login(outsider)
    assert_answer(ask(client, "/sandbox/mine/lab"), 200)
    assert_answer(ask(client, uri), 403)


@pytest.mark.django_db
def test_without_any_uri_header_the_answer_says_what_is_missing(member_client, notebook):
    response = ask(member_client, uri=None)
    assert_answer(response, 403)
    assert b"X-Original-URI, X-Original-URL, X-Forwarded-Uri" in response.content


@pytest.mark.django_db
def test_a_base_url_with_a_path_is_routed_by_the_longest_prefix(client, make_workload, project, outsider,
                                                                other_project, cluster, member):
    # vision/x is served at /ws/vision/x/; sandbox's "ws" workspace "vision" at /ws/vision/: the
    # ingress routes /ws/vision/x/ to the longer one, so the outsider (sandbox) may not use it.
    make_workload(name="x", type=WorkloadType.WORKSPACE, workspace_url="https://ws.example.com/ws/vision/x/")
    client.force_login(member)
    assert_answer(ask(client, "/ws/vision/x/lab"), 200)
    assert_answer(ask(client, "/vision/x/lab"), 403)  # not where it is published
    other_project.name = "ws"
    other_project.save()
    make_workload(project=other_project, name="vision", type=WorkloadType.WORKSPACE, namespace="ws",
                  workspace_url="https://ws.example.com/ws/vision/")
    client.force_login(outsider)
    assert_answer(ask(client, "/ws/vision/lab"), 200)
    assert_answer(ask(client, "/ws/vision/x/lab"), 403)


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "delete", "head", "options"])
def test_only_get(member_client, notebook, method):
    response = getattr(member_client, method)(AUTH, HTTP_X_ORIGINAL_URI="/vision/notebook/")
    assert_answer(response, 405)
    assert response["Allow"] == "GET"


@pytest.mark.django_db
def test_three_queries_whatever_the_number_of_workspaces_and_projects(client, make_user, project, make_workload,
                                                                     django_assert_max_num_queries):
    user = make_user("busy")
    Membership.objects.create(user=user, project=project, role=Role.ADMIN)
    for index in range(30):
        make_workload(name=f"nb-{index}", type=WorkloadType.WORKSPACE,
                      workspace_url=f"https://ws.example.com/vision/nb-{index}/")
    client.force_login(user)
    # The session, its user, the workspace with the membership: nothing grows with rows.
    with django_assert_max_num_queries(3):
        assert_answer(ask(client, "/vision/nb-7/lab/tree/a/b/c/d/e/f"), 200)
    with django_assert_max_num_queries(3):
        assert_answer(ask(client, "/vision/nb-70/"), 403)
