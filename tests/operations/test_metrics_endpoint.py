"""/metrics: off without METRICS_TOKEN, refused without the token, and then Prometheus text with
requests by view and status and, read at scrape time, workloads by project and status and
cluster reachability (a fixed number of queries however many workloads there are)."""

import pytest

from workloads.status import WorkloadStatus

from .metrics_text import scrape, value

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = "scrape-token"


def test_metrics_are_off_without_a_token_setting(client, settings):
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics")
    assert response.status_code == 404 and b"METRICS_TOKEN" in response.content


@pytest.mark.parametrize("header", [None, "Bearer wrong", "scrape-token", "Basic c2NyYXBlLXRva2Vu"])
def test_metrics_need_the_bearer_token(client, token, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/metrics", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"devcenter_" not in response.content


def test_requests_are_counted_by_view_and_status(client, token, member):
    before = scrape(client)
    client.get("/accounts/login/")
    client.get("/accounts/login/")
    client.get("/no-such-page/")
    after = scrape(client)
    assert value(after, "devcenter_http_requests_total", view="login", status="200") - value(
        before, "devcenter_http_requests_total", view="login", status="200") == 2
    assert value(after, "devcenter_http_requests_total", view="<unmatched>", status="404") - value(
        before, "devcenter_http_requests_total", view="<unmatched>", status="404") == 1
    # Probes and scrapes are answered before the counter: they do not count themselves.
    client.get("/healthz")
    again = scrape(client)
    counted = {key: v for key, v in after.items() if key[0] == "devcenter_http_requests_total"}
    assert counted == {key: v for key, v in again.items() if key[0] == "devcenter_http_requests_total"}


@pytest.mark.parametrize("rows", [5, 100])
def test_workloads_by_project_and_status_in_two_queries(
    client, token, make_workload, project, cluster, rows, django_assert_max_num_queries
):
    for number in range(rows):
        make_workload(name=f"w{number}", status=WorkloadStatus.RUNNING if number % 5 else WorkloadStatus.FAILED)
    with django_assert_max_num_queries(2):
        found = scrape(client)
    assert value(found, "devcenter_workloads", project=project.name, status="running") == rows - rows // 5
    assert value(found, "devcenter_workloads", project=project.name, status="failed") == rows // 5
    assert value(found, "devcenter_cluster_reachable", cluster=cluster.name) == 1
