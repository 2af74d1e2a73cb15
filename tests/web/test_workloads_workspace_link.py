"""Open workspace: Workspace type only, enabled when Running with an http(s) URL, new tab."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    "url", ["javascript:alert(document.cookie)", "JavaScript:alert(1)", "data:text/html,hi", "ftp://x/y", "//x.y/z"]
)
def test_only_http_urls_are_rendered(member_client, project, list_url, make_workload, url):
    workload = make_workload(type="workspace", status="running", workspace_url=url)
    for page in (list_url, reverse("workloads:detail", args=[project.name, workload.pk])):
        html = member_client.get(page).content.decode()
        assert url not in html
        assert 'href="javascript' not in html.lower()
        assert "no web address" in html


def test_running_workspace_opens_in_a_new_tab(member_client, list_url, make_workload):
    make_workload(type="workspace", status="running", workspace_url="https://ws.example.com/vision/nb/")
    html = member_client.get(list_url).content.decode()
    assert (
        '<a role="menuitem" href="https://ws.example.com/vision/nb/" target="_blank" rel="noopener noreferrer">'
        in html
    )


def test_pending_workspace_is_disabled_with_reason(member_client, list_url, make_workload):
    make_workload(type="workspace", status="pending", workspace_url="https://ws.example.com/nb/")
    html = member_client.get(list_url).content.decode()
    assert "https://ws.example.com/nb/" not in html
    assert 'aria-disabled="true"' in html
    assert "Workspace is Pending" in html


def test_other_types_have_no_workspace_item(member_client, list_url, make_workload):
    make_workload(type="training", status="running", workspace_url="https://ws.example.com/nb/")
    assert "Open workspace" not in member_client.get(list_url).content.decode()
