"""Every URL under /p/<project>/, found from the URLconf (a new page is covered the day it is
added): anonymous -> login, outsider -> 404, member reads, only admins change admin-only pages,
another project's workload -> 404. Per-page behaviour lives in tests/web and tests/quotas."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from workloads.models import Workload

pytestmark = pytest.mark.django_db
PREFIX = "p/<slug:project>/"


def project_routes(patterns=None, prefix=""):
    """(route template, view class) for every URL that lives under a project."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from project_routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and route.startswith(PREFIX):
            yield route, getattr(entry.callback, "view_class", None)


ROUTES = sorted(project_routes())
IDS = [route[len(PREFIX):] or "project-home" for route, _ in ROUTES]


def url(route, project, workload):
    return "/" + route.replace("<slug:project>", project.name).replace("<int:pk>", str(workload.pk))


@pytest.fixture
def workload(make_workload):
    return make_workload(name="mine")


def test_the_matrix_sees_every_page():
    names = {resolve(url(route, type("P", (), {"name": "x"}), type("W", (), {"pk": 1}))).url_name
             for route, _ in ROUTES}
    assert {"list", "detail", "delete", "logs", "launch", "refresh", "bulk-delete", "quotas", "members"} <= names


@pytest.mark.parametrize("route", [r for r, _ in ROUTES], ids=IDS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_login(client, project, workload, route, method):
    response = getattr(client, method)(url(route, project, workload))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("route", [r for r, _ in ROUTES], ids=IDS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404(client, outsider, project, workload, route, method):
    client.force_login(outsider)
    assert getattr(client, method)(url(route, project, workload)).status_code == 404


@pytest.mark.parametrize("route", [r for r, _ in ROUTES], ids=IDS)
def test_member_reads_every_page(client, member, project, quota, workload, route):
    client.force_login(member)
    response = client.get(url(route, project, workload))
    # POST-only endpoints say so; the project root redirects to the Workloads page.
    assert response.status_code in (200, 302, 405), response.status_code


@pytest.mark.parametrize(("route", "view"), [(r, v) for r, v in ROUTES if getattr(v, "admin_required", False)],
                         ids=[i for i, (_, v) in zip(IDS, ROUTES, strict=True) if getattr(v, "admin_required", False)])
def test_only_admins_change_admin_pages(client, member, project_admin, project, quota, workload, route, view):
    client.force_login(member)
    assert client.post(url(route, project, workload), {}).status_code == 403
    client.force_login(project_admin)
    assert client.post(url(route, project, workload), {}).status_code in (200, 302, 303)


@pytest.mark.parametrize("route", [r for r, _ in ROUTES if "<int:pk>" in r], ids=[i for i, (r, _) in
                                                                                  zip(IDS, ROUTES, strict=True)
                                                                                  if "<int:pk>" in r])
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_projects_workload_is_404(client, member, project, other_project, cluster, route, method):
    stranger = Workload.objects.create(project=other_project, cluster=cluster, name="theirs", type="training",
                                       namespace="sandbox", created_by_name="someone")
    client.force_login(member)
    assert getattr(client, method)(url(route, project, stranger)).status_code in (404, 405)
    stranger.refresh_from_db()
    assert stranger.status == "added"  # nothing changed
