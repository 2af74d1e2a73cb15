"""The filters show their choices' counts for the current filter, the default statuses as ticked
boxes, and the pager the filter's total, from one grouped query."""

import re

import pytest

from workloads.status import WorkloadStatus
from workloads.web.filters import DEFAULT_STATUSES


@pytest.fixture
def mixed(make_workload):
    for name, workload_type, status in [
        ("a", "training", "running"), ("b", "training", "running"), ("c", "training", "failed"),
        ("d", "workspace", "running"), ("e", "workspace", "deleted"), ("f", "training", "deleted"),
        ("g", "inference", "delete-failed"), ("bert", "training", "pending"),
    ]:
        make_workload(name=name, type=workload_type, status=status)


def counts(html, field):
    """{value: count} as the filter dropdown shows them."""
    found = re.findall(rf'<span class="count muted small" id="{field}-count-([\w-]+)"[^>]*>([\d,]*)', html)
    return {value: int(number.replace(",", "")) for value, number in found if number}


def ticked(html, field):
    return re.findall(rf'name="{field}" value="([\w-]+)" id="[^"]+" checked', html)


def test_status_counts_apply_name_and_type_but_not_status(member_client, list_url, mixed):
    html = member_client.get(list_url, {"type": "training", "status": "failed"}).content.decode()
    by_status = counts(html, "status")
    assert by_status["running"] == 2 and by_status["failed"] == 1 and by_status["deleted"] == 1
    assert by_status["pending"] == 1 and by_status["delete-failed"] == 0
    # Type counts apply the status filter (Failed): only training has one.
    assert counts(html, "type")["training"] == 1 and counts(html, "type")["workspace"] == 0


def test_counts_follow_the_name_filter(member_client, list_url, mixed):
    html = member_client.get(list_url, {"name": "bert"}).content.decode()
    assert counts(html, "status")["pending"] == 1 and counts(html, "status")["running"] == 0


def test_default_statuses_are_ticked_boxes(member_client, list_url, mixed):
    html = member_client.get(list_url).content.decode()
    assert ticked(html, "status") == list(DEFAULT_STATUSES)
    assert WorkloadStatus.DELETED not in ticked(html, "status")
    assert ">Select all</button>" in html and ">Clear</button>" in html
    assert f'data-default="{" ".join(DEFAULT_STATUSES)}"' in html
    assert '<span id="status-summary">All but Deleted</span>' in html


def test_explicit_boxes_mean_exactly_those(member_client, list_url, mixed):
    html = member_client.get(list_url, {"status": ["deleted"]}).content.decode()
    assert ticked(html, "status") == ["deleted"]
    assert "2 workloads" in html


def test_pager_states_the_filters_total_and_pages(member_client, list_url, make_workload):
    for i in range(60):
        make_workload(name=f"w{i:02d}", status=("running", "deleted")[i % 4 == 0])
    html = member_client.get(list_url, {"page": 2}).content.decode()
    assert "Page 2 of 2" in html and "45 workloads" in html
    html = member_client.get(list_url, {"status": "deleted"}).content.decode()
    assert "Page 1 of 1" in html and "15 workloads" in html


def test_counts_of_the_form_follow_each_table_swap_out_of_band(member_client, list_url, mixed):
    html = member_client.get(list_url, {"type": "workspace"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in html
    assert '<span class="count muted small" id="status-count-running" hx-swap-oob="true">1' in html
    assert '<span class="count muted small" id="type-count-training" hx-swap-oob="true">4' in html


def test_invalid_filter_shows_no_counts_and_no_500(member_client, list_url, mixed):
    response = member_client.get(list_url, {"status": "nope"})
    assert response.status_code == 200
    assert counts(response.content.decode(), "status") == {}


def test_another_projects_workloads_are_not_counted(member_client, list_url, mixed, other_workload):
    html = member_client.get(list_url).content.decode()
    assert counts(html, "type")["training"] == 4  # a, b, c, bert (not sandbox's "not-yours")


def test_empty_result_says_so_and_offers_clear_filters(member_client, list_url, mixed):
    html = member_client.get(list_url, {"name": "no-such-workload"}).content.decode()
    body = html.split("<tbody")[1]
    assert "No workloads match these filters." in body
    assert f'<a href="{list_url}" class="button">Clear filters</a>' in body
    assert "0 workloads" in html


def test_an_empty_project_says_so_and_points_at_its_deleted(member_client, list_url, make_workload):
    make_workload(status="deleted")
    body = member_client.get(list_url).content.decode().split("<tbody")[1]
    assert "No workloads in this project yet." in body and "show the 1 deleted" in body


def test_a_full_page_sends_no_out_of_band_counts(member_client, list_url, mixed):
    for headers in ({}, {"HX-Request": "true", "HX-History-Restore-Request": "true"}):
        html = member_client.get(list_url, headers=headers).content.decode()
        assert "<html" in html and "hx-swap-oob" not in html
        assert html.count('id="status-count-running"') == 1
