"""Details: who and when, cluster, namespace, resources, components, history, queue and run time."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from workloads.models import Component, StatusChange, WorkloadEvent
from workloads.web.time_to_start import start_segments


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


def test_details_show_why_events_warning_first_and_the_time_to_start(member_client, project, make_workload):
    now = timezone.now()
    created = now - timedelta(minutes=10)
    workload = make_workload(
        name="wait-gpu", status="pending", created_at=created,
        why="Waiting for 4 GPUs: 1 free on east (3 short). Lower the request or wait.", why_kind="capacity",
        start_timeline={"created": (created + timedelta(seconds=30)).isoformat()},
    )
    WorkloadEvent.objects.create(workload=workload, event_uid="n", type="Normal", reason="Pulling",
                                 object_kind="Pod", object_name="wait-gpu-x", message="Pulling image", count=1,
                                 last_seen=now)
    WorkloadEvent.objects.create(workload=workload, event_uid="w", type="Warning", reason="FailedScheduling",
                                 object_kind="Pod", object_name="wait-gpu-x", count=7, last_seen=now - timedelta(minutes=5),
                                 message="0/4 nodes are available: 4 Insufficient nvidia.com/gpu.")
    html = member_client.get(reverse("workloads:detail", args=[project.name, workload.pk])).content.decode()
    assert "Waiting for 4 GPUs: 1 free on east (3 short)" in html
    assert html.index("FailedScheduling") < html.index("Pulling")  # Warning first
    assert "<td>7</td>" in html and "Pod/wait-gpu-x" in html
    assert "Queued: <strong>30 s</strong>" in html and "Scheduling: <strong>9 min 30 s so far</strong>" in html


def test_time_to_start_segments_add_up():
    created = timezone.now()
    timeline = {name: (created + timedelta(seconds=s)).isoformat()
                for name, s in (("created", 2), ("scheduled", 5), ("running", 9), ("ready", 10))}
    segments = start_segments(created, timeline, created + timedelta(minutes=1), waiting=False)
    assert [(s.name, s.seconds) for s in segments] == [("queued", 2), ("scheduling", 3), ("starting", 4), ("ready", 1)]
    assert sum(s.width for s in segments) == 100
    assert segments[2].x == 50.0
