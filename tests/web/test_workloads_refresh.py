"""Refresh: queues every project cluster after commit; the table polls until they are refreshed."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from projects.models import Cluster, Quota


def test_refresh_queues_each_project_cluster_and_polls(
    member_client, project, list_url, refresh_calls, django_capture_on_commit_callbacks, cluster
):
    second = Cluster.objects.create(name="west", api_url="http://127.0.0.1:2")
    Quota.objects.create(project=project, cluster=second)
    Cluster.objects.create(name="elsewhere", api_url="http://127.0.0.1:3")  # no quota: not ours
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            reverse("workloads:refresh", args=[project.name]), {"query": "?status=running&sort=name"},
            headers={"HX-Request": "true"},
        )
    assert sorted(refresh_calls) == sorted([cluster.pk, second.pk])
    assert response.status_code == 303
    location = response["Location"]
    assert location.startswith(f"{list_url}?status=running&sort=name&refresh_since=")

    polling = member_client.get(location, headers={"HX-Request": "true"}).content.decode()
    assert 'data-live-every="2"' in polling
    assert "Refreshing statuses" in polling

    later = timezone.now() + timedelta(seconds=1)
    Cluster.objects.filter(pk__in=[cluster.pk, second.pk]).update(last_refreshed_at=later)
    done = member_client.get(location, headers={"HX-Request": "true"}).content.decode()
    assert "data-live-url" not in done
    assert "Statuses refreshed." in done


def test_polling_gives_up_after_a_while(member_client, list_url, quota):
    long_ago = (timezone.now() - timedelta(minutes=10)).timestamp()
    html = member_client.get(list_url, {"refresh_since": long_ago}).content.decode()
    assert "data-live-url" not in html
    assert "taking longer than expected" in html


def test_bad_refresh_since_is_ignored(member_client, list_url, quota):
    response = member_client.get(list_url, {"refresh_since": "soon"})
    assert response.status_code == 200
    assert "data-live-url" not in response.content.decode()


def test_the_table_follows_rows_with_work_in_flight(member_client, list_url, make_workload):
    """A queued delete or create changes the row without a Refresh: the table polls while one is on the page."""
    make_workload(name="steady", status="running")
    html = member_client.get(list_url).content.decode()
    assert "data-live-url" not in html  # nothing in flight: no polling

    make_workload(name="going", status="deleting")
    html = member_client.get(list_url, headers={"HX-Request": "true"}).content.decode()
    assert f'data-live-url="{list_url}" data-live-every="5" data-live-max-seconds="600"' in html

    html = member_client.get(list_url, {"status": "running"}).content.decode()
    assert "data-live-url" not in html  # the in-flight row is not on this page


def test_a_view_too_long_to_carry_along_still_shows_the_refresh(member_client, list_url, quota):
    """Django refuses to redirect to a URL over 2048 characters (a bare 400)."""
    response = member_client.post(f"{list_url}refresh/", {"query": "name=" + "é" * 10_240})
    assert response.status_code == 303
    assert response["Location"].startswith(f"{list_url}?refresh_since=")
