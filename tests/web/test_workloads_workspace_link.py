"""Open workspace: Workspace type only, offered in the actions menu only when the workspace is
Running with an http(s) URL that answers (the last refresh saw its Service and Ingress); new tab.
The details page says why it cannot be opened otherwise."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from workloads.models import Component
from workloads.status import ComponentState
from workloads.web.links import workspace_link

OPEN_LINK = '<a role="menuitem" href="{url}" target="_blank" rel="noopener noreferrer">'


def publish(workload, kinds=("Deployment", "Service", "Ingress"), state=ComponentState.COMPLETED):
    """The components a refresh records for a workspace the ingress routes (a Deployment all ready)."""
    for kind in kinds:
        Component.objects.create(
            workload=workload, kind=kind, api_version="v1", name=workload.name, namespace=workload.namespace,
            state=ComponentState.RUNNING if kind == "Deployment" else state,
        )
    return workload


def detail_url(project, workload):
    return reverse("workloads:detail", args=[project.name, workload.pk])


@pytest.mark.parametrize(
    "url", ["javascript:alert(document.cookie)", "JavaScript:alert(1)", "data:text/html,hi", "ftp://x/y", "//x.y/z"]
)
def test_only_http_urls_are_rendered(member_client, project, list_url, make_workload, url):
    workload = publish(make_workload(type="workspace", status="running", workspace_url=url))
    for page in (list_url, detail_url(project, workload)):
        html = member_client.get(page).content.decode()
        assert url not in html
        assert 'href="javascript' not in html.lower()
    assert "Open workspace" not in member_client.get(list_url).content.decode()
    assert "no web address" in member_client.get(detail_url(project, workload)).content.decode()


def test_running_routed_workspace_opens_in_a_new_tab(member_client, project, list_url, make_workload):
    workload = publish(make_workload(type="workspace", status="running",
                                     workspace_url="https://ws.example.com/vision/nb/"))
    assert OPEN_LINK.format(url="https://ws.example.com/vision/nb/") in member_client.get(list_url).content.decode()
    detail = member_client.get(detail_url(project, workload)).content.decode()
    assert 'href="https://ws.example.com/vision/nb/" target="_blank" rel="noopener noreferrer"' in detail


@pytest.mark.parametrize(
    ("kinds", "state"),
    [
        ((), ComponentState.COMPLETED),  # nothing refreshed yet
        (("Deployment", "Service"), ComponentState.COMPLETED),  # no Ingress: nothing routes the URL
        (("Deployment", "Ingress"), ComponentState.COMPLETED),  # no Service behind the Ingress
        (("Deployment", "Service", "Ingress"), ComponentState.PENDING),  # created, not seen by a refresh
        (("Deployment", "Service", "Ingress"), ComponentState.DELETED),  # removed by hand
    ],
    ids=["no-components", "no-ingress", "no-service", "not-refreshed", "deleted"],
)
def test_a_running_workspace_whose_url_does_not_answer_is_not_offered(
    member_client, project, list_url, make_workload, kinds, state
):
    workload = publish(make_workload(type="workspace", status="running",
                                     workspace_url="https://ws.example.com/vision/nb/"), kinds, state)
    assert "https://ws.example.com/vision/nb/" not in member_client.get(list_url).content.decode()
    detail = member_client.get(detail_url(project, workload)).content.decode()
    assert "https://ws.example.com/vision/nb/" not in detail
    assert "does not answer yet" in detail


@pytest.mark.parametrize("status", ["pending", "added", "failed", "deleting", "unknown", "complete"])
def test_a_workspace_that_is_not_running_is_not_offered(member_client, project, list_url, make_workload, status):
    workload = publish(make_workload(type="workspace", status=status, workspace_url="https://ws.example.com/nb/"))
    html = member_client.get(list_url + "?status=" + status).content.decode()
    assert workload.name in html
    assert "Open workspace" not in html and "https://ws.example.com/nb/" not in html
    link = workspace_link(workload)
    assert not link.enabled and link.reason.startswith("Workspace is ")
    assert link.reason in member_client.get(detail_url(project, workload)).content.decode()


def test_other_types_have_no_workspace_item(member_client, list_url, make_workload):
    publish(make_workload(type="training", status="running", workspace_url="https://ws.example.com/nb/"))
    assert "Open workspace" not in member_client.get(list_url).content.decode()


def test_the_rule_costs_no_query_per_row(member_client, list_url, make_workload, django_assert_max_num_queries):
    def page_queries():
        with CaptureQueriesContext(connection) as captured:
            assert member_client.get(list_url + "?per_page=100").status_code == 200
        return len(captured)

    for i in range(5):
        publish(make_workload(name=f"nb-{i}", type="workspace", workspace_url=f"https://ws.example.com/vision/nb-{i}/"))
    at_five = page_queries()
    for i in range(5, 100):
        publish(make_workload(name=f"nb-{i}", type="workspace", workspace_url=f"https://ws.example.com/vision/nb-{i}/"))
    with django_assert_max_num_queries(at_five):
        html = member_client.get(list_url + "?per_page=100").content.decode()
    assert html.count(">Open workspace <") == 100
