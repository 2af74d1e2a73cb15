"""Live updates of the Workloads table, server side: row versions, polling only while something is
in flight, and the rows a poll keeps (a delete that became Deleted still shows, as Deleted)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from projects.models import Cluster
from workloads.models import Workload
from workloads.transitions import Transition, apply_transitions
from workloads.web.live import SHOWN_ROWS_HEADER


def version_of(html, workload):
    match = re.search(rf'<tr id="workload-{workload.pk}" data-status="[^"]+" data-version="([0-9a-f]+)"', html)
    assert match, f"no versioned row for {workload.name}"
    return match.group(1)


def kept_part(html):
    match = re.search(r"<template data-live-kept>(.*?)</template>", html, re.S)
    return match.group(1) if match else ""


def test_a_rows_version_changes_with_what_it_shows_only(member_client, list_url, make_workload, cluster):
    steady = make_workload(name="steady", status="running")
    moving = make_workload(name="moving", status="added")
    before = member_client.get(list_url).content.decode()

    # A refresh of the cluster checks every status (one stamp on the cluster): no row changes
    # for it, but the one whose status moved.
    Cluster.objects.filter(pk=cluster.pk).update(last_seen_at=timezone.now())
    apply_transitions([Transition(moving.pk, "pending", "waiting for pods")])
    after = member_client.get(list_url).content.decode()
    assert version_of(after, steady) == version_of(before, steady)
    assert version_of(after, moving) != version_of(before, moving)


def test_polling_attributes_only_while_something_is_in_flight(member_client, list_url, make_workload, settings):
    settings.LIVE_UPDATES_MAX_SECONDS = 42
    make_workload(name="steady", status="running")
    make_workload(name="done", status="complete")
    html = member_client.get(list_url).content.decode()
    assert "data-live-url" not in html and "data-live-every" not in html

    adding = make_workload(name="adding", status="added")
    html = member_client.get(list_url).content.decode()
    assert f'data-live-url="{list_url}" data-live-every="5" data-live-max-seconds="42"' in html
    assert "Live updates paused." in html  # hidden until the time limit (workloads.js)

    apply_transitions([Transition(adding.pk, "running", "1 active")])
    html = member_client.get(list_url, headers={"HX-Request": "true"}).content.decode()
    assert "data-live-url" not in html  # the poll that sees it settle ends the polling


def test_a_poll_keeps_a_shown_row_that_became_deleted(member_client, list_url, make_workload):
    going = make_workload(name="going", status="deleting")
    other = make_workload(name="other", status="running")
    page = member_client.get(list_url).content.decode()
    assert 'data-live-url' in page

    apply_transitions([Transition(going.pk, "deleted", "deleted")])
    shown = {SHOWN_ROWS_HEADER: f"{going.pk},{other.pk}"}
    update = member_client.get(list_url, headers={"HX-Request": "true", **shown}).content.decode()
    kept = kept_part(update)
    assert f'id="workload-{going.pk}"' in kept and ">Deleted<" in kept
    assert f'id="workload-{other.pk}"' not in kept  # still on the page: not kept twice
    assert "data-live-url" not in update  # Deleted is settled: polling ends

    reload = member_client.get(list_url, headers=shown).content.decode()  # a person's reload
    assert "data-live-kept" not in reload and "going" not in reload


def test_a_kept_deleting_row_keeps_the_polling_going(member_client, list_url, make_workload):
    going = make_workload(name="going", status="deleting")
    update = member_client.get(
        list_url, {"status": "running"}, headers={"HX-Request": "true", SHOWN_ROWS_HEADER: str(going.pk)}
    ).content.decode()
    assert f'id="workload-{going.pk}"' in kept_part(update)
    assert "data-live-url" in update


@pytest.mark.parametrize("header", ["", "nonsense", "1,,x,-3", "9" * 40, ",".join(["7"] * 1000)])
def test_nonsense_in_the_shown_rows_header_is_ignored(member_client, list_url, make_workload, header):
    make_workload(name="steady", status="running")
    response = member_client.get(list_url, headers={"HX-Request": "true", SHOWN_ROWS_HEADER: header})
    assert response.status_code == 200
    assert "data-live-kept" not in response.content.decode()


def test_another_projects_row_is_never_kept(member_client, list_url, other_workload):
    update = member_client.get(
        list_url, headers={"HX-Request": "true", SHOWN_ROWS_HEADER: str(other_workload.pk)}
    ).content.decode()
    assert "not-yours" not in update
    assert "data-live-kept" not in update


def test_kept_rows_cost_the_same_queries_at_5_and_100(member_client, project, cluster, list_url):
    def seed(count, start):
        return Workload.objects.bulk_create(
            Workload(project=project, cluster=cluster, name=f"gone-{start + i}", type="training",
                     status="deleted", namespace="vision", created_by_name="member")
            for i in range(count)
        )

    def queries(ids):
        headers = {"HX-Request": "true", SHOWN_ROWS_HEADER: ",".join(str(w.pk) for w in ids)}
        member_client.get(list_url, headers=headers)
        with CaptureQueriesContext(connection) as captured:
            html = member_client.get(list_url, headers=headers).content.decode()
        return len(captured), html.count('<tr id="workload-')

    few = seed(5, 0)
    small, rows = queries(few)
    assert rows == 5
    many = few + seed(95, 5)
    large, rows = queries(many)
    assert rows == 100
    assert large == small
