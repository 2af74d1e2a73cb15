"""Filters: name contains, several types, several exact statuses, Deleted hidden by default."""

import pytest

from tests.web.conftest import names


@pytest.fixture
def mixed(make_workload):
    make_workload(name="llama-download", type="model-download", status="complete")
    make_workload(name="bert-train", type="training", status="failed")
    make_workload(name="bert-cleanup", type="training", status="delete-failed")
    make_workload(name="notebook", type="workspace", status="running")
    make_workload(name="old-eval", type="evaluation", status="deleted")
    make_workload(name="LLAMA-serve", type="inference", status="pending")


def test_deleted_is_hidden_by_default(member_client, list_url, mixed):
    shown = names(member_client.get(list_url))
    assert "old-eval" not in shown
    assert len(shown) == 5


def test_deleted_shown_when_asked_for(member_client, list_url, mixed):
    assert names(member_client.get(list_url, {"status": "deleted"})) == ["old-eval"]


def test_failed_never_matches_delete_failed(member_client, list_url, mixed):
    assert names(member_client.get(list_url, {"status": "failed"})) == ["bert-train"]
    assert names(member_client.get(list_url, {"status": "delete-failed"})) == ["bert-cleanup"]


def test_several_statuses(member_client, list_url, mixed):
    shown = names(member_client.get(list_url, {"status": ["failed", "deleted"]}))
    assert sorted(shown) == ["bert-train", "old-eval"]


def test_several_types(member_client, list_url, mixed):
    shown = names(member_client.get(list_url, {"type": ["model-download", "workspace"]}))
    assert sorted(shown) == ["llama-download", "notebook"]


def test_name_contains_case_insensitive(member_client, list_url, mixed):
    assert sorted(names(member_client.get(list_url, {"name": "llama"}))) == ["LLAMA-serve", "llama-download"]


def test_filters_combine(member_client, list_url, mixed):
    assert names(member_client.get(list_url, {"name": "bert", "type": "training", "status": "failed"})) == [
        "bert-train"
    ]


@pytest.mark.parametrize(
    "query", [{"status": "Failed"}, {"status": "nope"}, {"type": "Model Download"}, {"type": ["training", "x"]}]
)
def test_invalid_values_show_a_form_error_not_everything(member_client, list_url, mixed, query):
    response = member_client.get(list_url, query)
    assert response.status_code == 200
    assert names(response) == []
    assert "These filters cannot be applied" in response.content.decode()
    assert "is not one of the available choices" in response.content.decode()


def test_invalid_values_in_the_fragment_too(member_client, list_url, mixed):
    response = member_client.get(list_url, {"status": "nope"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "These filters cannot be applied" in response.content.decode()


def test_other_projects_workloads_never_listed(member_client, list_url, mixed, other_workload):
    assert "not-yours" not in names(member_client.get(list_url, {"name": "not"}))


def test_clear_filters_link_and_form_keep_values(member_client, list_url, mixed):
    html = member_client.get(list_url, {"name": "bert", "status": "failed"}).content.decode()
    assert f'href="{list_url}" class="button">Clear filters' in html
    assert 'value="bert"' in html
    assert 'value="failed" id="id_status_4" checked' in html
    assert '<span id="status-summary">Failed</span>' in html
