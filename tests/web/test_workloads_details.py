"""Details: who and when, cluster, namespace, resources, components, history, queue and run time."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from workloads.models import Component, StatusChange


def test_details_show_everything_a_person_asks_about(member_client, project, make_workload):
    now = timezone.now()
    workload = make_workload(
        name="bert-train", type="training", status="running", namespace="vision-ns",
        requested_gpu=2, requested_cpu_millicores=4500, requested_memory_bytes=16 * 1024**3,
        created_at=now - timedelta(minutes=10), started_at=now - timedelta(minutes=7),
    )
    Component.objects.create(workload=workload, kind="Job", api_version="batch/v1", name="bert-train",
                             namespace="vision-ns", state="running", reason="1 active")
    StatusChange.objects.create(workload=workload, from_status="pending", to_status="running",
                                reason="pod started", at=now - timedelta(minutes=7))
    html = member_client.get(reverse("workloads:detail", args=[project.name, workload.pk])).content.decode()
    for text in [
        "bert-train", "Training", "by <strong>member</strong>", "east", "vision-ns", "4.5 cores", "16 GiB",
        "1 active", "pod started", '<span class="badge pending">Pending</span>', "3 min 0 s", "7 min 0 s",
    ]:
        assert text in html, text


def test_finished_workload_stops_polling_and_has_fixed_run_time(member_client, project, make_workload):
    now = timezone.now()
    workload = make_workload(status="complete", created_at=now - timedelta(hours=2),
                             started_at=now - timedelta(hours=1), finished_at=now - timedelta(minutes=30))
    html = member_client.get(reverse("workloads:detail", args=[project.name, workload.pk])).content.decode()
    assert "30 min 0 s" in html
    assert "every 5s" not in html
