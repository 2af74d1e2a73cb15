"""Refresh in a real browser: the table polls while the clusters refresh, then stops."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from projects.models import Cluster
from tests.conftest import record_published
from workloads import task_names

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_refresh_polls_until_the_clusters_are_refreshed(
    login, page, live_server, member, quota, cluster, make_workload, monkeypatch
):
    # No worker in this test: record instead of publishing to the shared broker.
    queued = record_published(monkeypatch, task_names.REFRESH_CLUSTER)
    workload = make_workload(name="watched", status="pending")
    login("member")
    page.goto(f"{live_server.url}/p/vision/workloads/?name=watch")
    page.get_by_role("button", name="Refresh").click()
    expect(page.get_by_text("Refreshing statuses from the clusters")).to_be_visible()
    assert queued == [cluster.pk]
    assert page.url.endswith("/p/vision/workloads/?name=watch")  # polling never changes the address

    # The worker's part, done by hand: the status changes and the cluster is marked refreshed.
    type(workload).objects.filter(pk=workload.pk).update(status="running", status_changed_at=timezone.now())
    Cluster.objects.filter(pk=cluster.pk).update(
        last_refreshed_at=timezone.now() + timedelta(seconds=1), last_seen_at=timezone.now()
    )
    expect(page.get_by_text("Statuses refreshed.")).to_be_visible(timeout=6000)
    expect(page.locator(f"#workload-{workload.pk} .badge")).to_have_text("Running")
