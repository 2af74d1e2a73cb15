"""Bulk delete: confirm lists what goes and what is already gone; ids re-checked; per-workload report."""

from django.urls import reverse

from workloads.models import Workload


def test_confirmation_lists_what_goes_and_what_is_gone(member_client, project, make_workload, other_workload):
    live = make_workload(name="live-one")
    going = make_workload(name="going-one", status="deleting")
    url = reverse("workloads:bulk-delete", args=[project.name])
    html = member_client.get(url, {"id": [live.pk, going.pk, other_workload.pk, "junk"]}).content.decode()
    to_delete = html.split('id="to-delete"')[1].split("</ul>")[0]
    gone = html.split('id="already-gone"')[1].split("</ul>")[0]
    assert "live-one" in to_delete and "going-one" not in to_delete
    assert "going-one" in gone
    assert "not-yours" not in html
    assert "Delete 1 workload" in html


def test_bulk_delete_reports_each_and_queues_after_commit(
    member_client, project, list_url, make_workload, other_workload, django_capture_on_commit_callbacks
):
    a, b = make_workload(name="a-one"), make_workload(name="b-one")
    gone = make_workload(name="c-gone", status="deleted")
    url = reverse("workloads:bulk-delete", args=[project.name])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = member_client.post(
            url, {"id": [a.pk, b.pk, gone.pk, other_workload.pk], "next": f"{list_url}?sort=name"}
        )
    assert response["Location"] == f"{list_url}?sort=name"
    assert len(callbacks) == 2
    assert set(Workload.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {"deleting"}
    assert Workload.objects.get(pk=other_workload.pk).status == "running"
    html = member_client.get(response["Location"]).content.decode()
    assert "Deletion of a-one queued." in html
    assert "Deletion of b-one queued." in html
    assert "c-gone was already being deleted or gone." in html


def test_every_id_not_acted_on_is_reported_with_its_reason(
    member_client, project, list_url, make_workload, other_workload, django_capture_on_commit_callbacks
):
    live = make_workload(name="live-one")
    url = reverse("workloads:bulk-delete", args=[project.name])
    ids = [live.pk, other_workload.pk, 987654321, "junk", str(10**30), live.pk]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = member_client.post(url, {"id": ids})
    assert len(callbacks) == 1
    html = member_client.get(response["Location"]).content.decode()
    assert "Deletion of live-one queued." in html
    assert (f"Not deleted, not a workload of this project that you can see (or no longer there): "
            f"2 ids ({other_workload.pk}, 987654321).") in html
    assert f"Not deleted, not workload ids: “junk”, “{str(10**30)}”." in html
    assert Workload.objects.get(pk=other_workload.pk).status == "running"


def test_the_confirmation_says_what_will_be_left_alone(member_client, project, make_workload, other_workload):
    live = make_workload(name="live-one")
    url = reverse("workloads:bulk-delete", args=[project.name])
    html = member_client.get(url, {"id": [live.pk, other_workload.pk, "junk"]}).content.decode()
    left_alone = html.split('id="not-acted-on"')[1].split("</ul>")[0]
    assert f"id {other_workload.pk}" in left_alone and "“junk”" in left_alone
    assert "not-yours" not in html


def test_ids_past_the_limit_are_reported_not_dropped(member_client, project, list_url, make_workload, cluster, member):
    from workloads.web.delete_views import MAX_BULK

    workloads = Workload.objects.bulk_create(
        Workload(project=project, cluster=cluster, name=f"many-{i:04}", type="training", status="running",
                 namespace="vision", created_by=member, created_by_name="member")
        for i in range(MAX_BULK + 2)
    )
    ids = [w.pk for w in workloads]
    url = reverse("workloads:bulk-delete", args=[project.name])
    confirm = member_client.get(url, {"id": ids}).content.decode()
    assert f"Delete {MAX_BULK} workloads" in confirm
    past = f"past the limit of {MAX_BULK} workloads at a time (select them again): 2 ids ({ids[-2]}, {ids[-1]})."
    assert past in confirm

    response = member_client.post(url, {"id": ids})
    assert Workload.objects.filter(pk__in=ids[:MAX_BULK], status="deleting").count() == MAX_BULK
    assert set(Workload.objects.filter(pk__in=ids[MAX_BULK:]).values_list("status", flat=True)) == {"running"}
    assert past in member_client.get(response["Location"]).content.decode()
