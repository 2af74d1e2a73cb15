"""The counter table (WorkloadCount) equals a grouped COUNT of the workloads after every kind of
write: ORM saves, bulk_create, QuerySet.update, deletes (one, many, a project's cascade), raw SQL,
and a status change that is no change at all."""

from django.db import connection
from django.db.models import Count

from workloads.models import Workload, WorkloadCount
from workloads.status import WorkloadStatus


def counted():
    return {(p, t, s): n for p, t, s, n in WorkloadCount.objects.filter(n__gt=0).values_list(
        "project_id", "type", "status", "n")}


def truth():
    return {(p, t, s): n for p, t, s, n in Workload.objects.order_by().values_list(
        "project_id", "type", "status").annotate(n=Count("*"))}


def test_counts_follow_every_write(project, other_project, cluster, make_workload):
    first = make_workload(status=WorkloadStatus.RUNNING)
    make_workload(status=WorkloadStatus.RUNNING, type="workspace")
    Workload.objects.bulk_create(
        Workload(project=other_project, cluster=cluster, name=f"b{i}", type="inference", status="pending",
                 namespace="sandbox", created_by_name="x")
        for i in range(7)
    )
    assert counted() == truth() and truth()[(other_project.pk, "inference", "pending")] == 7

    first.status = WorkloadStatus.FAILED
    first.save()
    Workload.objects.filter(project=other_project).update(status=WorkloadStatus.COMPLETE)
    Workload.objects.filter(project=project).update(status_reason="unchanged counts")  # no (type, status) change
    assert counted() == truth()

    Workload.objects.filter(name__in=["b1", "b2"]).delete()
    first.delete()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE workloads_workload SET type = 'training', project_id = %s WHERE name = 'b3'",
                       [project.pk])
    assert counted() == truth()

    other_project.delete()  # cascades to its workloads
    assert counted() == truth()
    assert set(counted()) == {key for key in truth() if key[0] == project.pk}


def test_the_page_reads_the_counter_table_not_the_workloads(member_client, list_url, project, make_workload):
    make_workload(status=WorkloadStatus.RUNNING)
    # A counter the page must show as it is: proof it reads the table (the workloads say 1).
    WorkloadCount.objects.filter(project=project, status="running").update(n=41)
    html = member_client.get(list_url).content.decode()
    assert '<span class="total muted">41 workloads</span>' in html
    # With a name filter the counter table cannot answer: the workloads are counted.
    assert '<span class="total muted">1 workload</span>' in member_client.get(list_url, {"name": "work"}).content.decode()
