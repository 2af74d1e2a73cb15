"""LIST: label selector operators, field selectors, paging with limit/continue."""

import pytest
from kubernetes.client.exceptions import ApiException

from tests.kubesim.conftest import raw

PODS = {
    "a": {"tier": "web", "env": "prod"},
    "b": {"tier": "web", "env": "dev"},
    "c": {"tier": "db", "env": "prod", "gpu": "true"},
    "d": {"tier": "cache"},
}


@pytest.fixture
def labelled(sim):
    for name, labels in PODS.items():
        sim.create({"kind": "Pod", "metadata": {"name": name, "namespace": "default", "labels": labels},
                    "spec": {"containers": [{"name": "c", "image": "x"}]}})


@pytest.mark.parametrize(("selector", "expected"), [
    ("tier=web", ["a", "b"]),
    ("tier==web", ["a", "b"]),
    ("tier!=web", ["c", "d"]),
    ("env in (prod,dev)", ["a", "b", "c"]),
    ("env notin (prod)", ["b", "d"]),
    ("gpu", ["c"]),
    ("!gpu", ["a", "b", "d"]),
    ("tier=web,env=prod", ["a"]),
    ("tier in (web, db),!gpu", ["a", "b"]),
    ("tier=nothing", []),
])
def test_label_selector_operators(core, labelled, selector, expected):
    pods = core.list_namespaced_pod("default", label_selector=selector)
    assert [p.metadata.name for p in pods.items] == expected


def test_invalid_label_selector_is_400(kubesim, labelled):
    status, body = raw(kubesim, "GET", "/api/v1/pods?labelSelector=a%20in%20b")
    assert status == 400 and body["reason"] == "BadRequest"


def test_field_selectors(core, sim, labelled):
    assert [p.metadata.name for p in core.list_pod_for_all_namespaces(field_selector="metadata.name=b").items] == ["b"]
    names = [p.metadata.name for p in core.list_namespaced_pod("default", field_selector="metadata.name!=b").items]
    assert names == ["a", "c", "d"]
    sim.advance(2)  # all pods Running
    assert len(core.list_namespaced_pod("default", field_selector="status.phase==Running").items) == 4
    assert core.list_namespaced_pod("default", field_selector="status.phase=Pending").items == []
    assert len(core.list_pod_for_all_namespaces(field_selector="metadata.namespace=default").items) == 4


def test_list_across_namespaces_and_list_kinds(core, batch, sim, labelled):
    core.create_namespace({"metadata": {"name": "other"}})
    core.create_namespaced_pod("other", {"metadata": {"name": "z"}, "spec": {"containers": [{"name": "c", "image": "x"}]}})
    listed = core.list_pod_for_all_namespaces()
    assert [(p.metadata.namespace, p.metadata.name) for p in listed.items][-1] == ("other", "z")
    assert listed.kind == "PodList" and listed.api_version == "v1"
    assert all(p.kind == "Pod" and p.api_version == "v1" for p in listed.items)
    assert batch.list_job_for_all_namespaces().kind == "JobList"


def test_paging_with_limit_and_continue(core, sim):
    for index in range(25):
        sim.create({"kind": "ConfigMap", "metadata": {"name": f"cm-{index:02d}", "namespace": "default"}})
    names, token, pages = [], None, 0
    while True:
        page = core.list_namespaced_config_map("default", limit=10, _continue=token)
        pages += 1
        names += [c.metadata.name for c in page.items]
        token = page.metadata._continue
        if not token:
            break
        assert page.metadata.remaining_item_count == 25 - len(names)
    assert pages == 3
    assert names == [f"cm-{i:02d}" for i in range(25)]


def test_continue_token_survives_writes_in_name_order(core, sim):
    for name in ("a", "b", "c", "d"):
        sim.create({"kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}})
    first = core.list_namespaced_config_map("default", limit=2)
    sim.create({"kind": "ConfigMap", "metadata": {"name": "aa", "namespace": "default"}})  # before the position
    rest = core.list_namespaced_config_map("default", limit=10, _continue=first.metadata._continue)
    assert [c.metadata.name for c in rest.items] == ["c", "d"]


def test_invalid_continue_is_400_and_expired_is_410(core, sim):
    for name in ("a", "b", "c"):
        sim.create({"kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}})
    with pytest.raises(ApiException) as excinfo:
        core.list_namespaced_config_map("default", limit=1, _continue="garbage!!")
    assert excinfo.value.status == 400
    token = core.list_namespaced_config_map("default", limit=1).metadata._continue
    sim.create({"kind": "ConfigMap", "metadata": {"name": "d", "namespace": "default"}})
    sim.compact()
    with pytest.raises(ApiException) as excinfo:
        core.list_namespaced_config_map("default", limit=1, _continue=token)
    assert excinfo.value.status == 410
    assert '"reason":"Expired"' in excinfo.value.body.replace(" ", "")


def test_request_log_counts_lists(kubesim, core, labelled):
    kubesim.sim.reset_requests()
    core.list_namespaced_pod("default", label_selector="tier=web")
    core.list_namespaced_pod("default", label_selector="tier=db")
    assert kubesim.sim.requests.count("GET", "/api/v1/namespaces/default/pods") == 2
    assert kubesim.sim.requests[0].query == {"labelSelector": "tier=web"}
