"""Pages shown to a signed-in person carry `Cache-Control: private, no-store`; static files do not."""

import pytest
from django.test import Client

from tests.test_access_matrix import ROUTES, url

pytestmark = pytest.mark.django_db


def assert_private(response):
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives, response["Cache-Control"]


@pytest.mark.parametrize("route", [r for r, _ in ROUTES if not r.endswith(("delete/", "refresh/"))])
def test_every_project_page_is_private(client, member, project, quota, make_workload, route):
    workload = make_workload(name="mine")
    client.force_login(member)
    response = client.get(url(route, project, workload), follow=False)
    assert response.status_code < 500
    assert_private(response)


def test_htmx_fragments_exports_and_redirects_are_private(client, member, project, quota, make_workload):
    make_workload(name="mine")
    client.force_login(member)
    assert_private(client.get(f"/p/{project.name}/workloads/", headers={"HX-Request": "true"}))
    assert_private(client.get(f"/p/{project.name}/workloads/", {"_export": "csv"}))
    assert_private(client.get("/"))  # a redirect to the project
    assert_private(client.post(f"/p/{project.name}/workloads/refresh/"))


def test_the_response_that_signs_in_is_private(client, member):
    from tests.conftest import PASSWORD

    assert_private(client.post("/accounts/login/", {"username": "member", "password": PASSWORD}))


def test_admin_pages_are_private(admin_client):
    assert_private(admin_client.get("/admin/"))


def test_static_files_stay_cacheable_for_signed_in_people(member, settings):
    settings.WHITENOISE_USE_FINDERS = True  # serve from static/ without collectstatic
    client = Client()  # a new handler, so WhiteNoise reads the setting above
    client.force_login(member)
    response = client.get("/static/css/devcenter.css")
    assert response.status_code == 200
    cache_control = response.get("Cache-Control", "")
    assert "private" not in cache_control and "no-store" not in cache_control
