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
