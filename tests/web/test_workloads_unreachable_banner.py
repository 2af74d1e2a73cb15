"""A banner names the project's unreachable clusters and since when."""

from datetime import datetime, timedelta

from django.utils import timezone

from projects.models import Cluster


def test_banner_names_unreachable_cluster(member_client, list_url, cluster):
    since = timezone.make_aware(datetime(2026, 1, 2, 3, 4))
    Cluster.objects.filter(pk=cluster.pk).update(reachable=False, unreachable_since=since)
    html = member_client.get(list_url).content.decode()
    assert "Cluster <strong>east</strong> is unreachable" in html
    assert "since <time" in html and "2026-01-02 03:04" in html


def test_no_banner_for_reachable_or_foreign_clusters(member_client, list_url, cluster):
    Cluster.objects.create(name="other", api_url="http://x", reachable=False,
                           unreachable_since=timezone.now() - timedelta(hours=1))
    assert "is unreachable" not in member_client.get(list_url).content.decode()
