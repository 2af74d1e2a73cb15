"""The status column: badge with colour class, reason, when refreshed, stale after 3 intervals."""

from datetime import timedelta

from django.utils import timezone

from projects.models import Cluster
from workloads.web import display


def checked(cluster, ago: timedelta):
    """The cluster's last successful refresh `ago`: when its workloads' statuses were checked."""
    Cluster.objects.filter(pk=cluster.pk).update(last_seen_at=timezone.now() - ago)


def test_badge_reason_and_refreshed(member_client, list_url, make_workload, cluster):
    make_workload(status="failed", status_reason="ImagePullBackOff: image not found",
                  created_at=timezone.now() - timedelta(hours=1))
    checked(cluster, timedelta(seconds=12))
    html = member_client.get(list_url).content.decode()
    assert '<span class="badge failed">Failed</span>' in html
    assert '<span class="status-reason">ImagePullBackOff: image not found</span>' in html
    assert "refreshed 12 s ago" in html
    assert "stale" not in html.split("<tbody")[1]


def test_old_status_is_marked_stale(member_client, list_url, make_workload, settings, cluster):
    settings.REFRESH_INTERVAL_SECONDS = 30
    make_workload(created_at=timezone.now() - timedelta(hours=1))
    checked(cluster, timedelta(seconds=91))
    html = member_client.get(list_url).content.decode()
    assert "refreshed small stale" in html
    assert "stale · refreshed 1 min ago" in html


def test_units():
    assert display.cores(4000) == "4"
    assert display.cores(500) == "0.5"
    assert display.cores(1250) == "1.25"
    assert display.binary_bytes(16 * 1024**3) == "16 GiB"
    assert display.binary_bytes(1536 * 1024**2) == "1.5 GiB"
    assert display.binary_bytes(0) == "0"


def test_a_workload_added_after_the_last_refresh_is_not_refreshed_yet(member_client, list_url, make_workload,
                                                                      cluster):
    checked(cluster, timedelta(seconds=5))
    make_workload(status="added")
    assert "not refreshed yet" in member_client.get(list_url).content.decode()


def test_a_deleted_workload_is_never_marked_stale(member_client, list_url, make_workload, settings, cluster):
    """Deleted is final: its status is as of when it became Deleted and cannot go out of date."""
    settings.REFRESH_INTERVAL_SECONDS = 30
    hours_ago = timezone.now() - timedelta(hours=5)
    make_workload(name="gone", status="deleted", status_changed_at=hours_ago, created_at=hours_ago)
    make_workload(name="old", status="running", created_at=hours_ago)
    checked(cluster, timedelta(hours=5))
    html = member_client.get(list_url, {"status": ["deleted", "running"], "sort": "name"}).content.decode()
    gone, old = html.split('<tr id="workload-')[1:3]
    assert "stale" not in gone and "refreshed 5 h ago" in gone
    assert "stale · refreshed 5 h ago" in old


def test_the_dominant_reason_sits_under_the_badge_and_waiting_rows_say_for_how_long(
    member_client, list_url, make_workload
):
    now = timezone.now()
    why = "Waiting for 4 GPUs: 1 free on east (3 short). Lower the request or wait."
    make_workload(name="queued", status="pending", status_reason="1 pending", why=why,
                  created_at=now - timedelta(hours=2, minutes=14))
    make_workload(name="younger", status="added", created_at=now - timedelta(minutes=3))
    make_workload(name="busy", status="running", created_at=now - timedelta(hours=5))
    html = member_client.get(list_url).content.decode()
    assert f'<span class="status-reason why-line" title="{why}">{why}</span>' in html
    assert "1 pending" not in html  # the dominant reason replaces the component summary
    assert "waiting 2 h 14 min" in html and "waiting 3 min 0 s" in html
    body = member_client.get(list_url, {"sort": "waiting"}).content.decode().split("<tbody")[1]
    assert body.index("busy") < body.index("queued") < body.index("younger")  # oldest first
