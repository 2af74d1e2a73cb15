"""Stop and Resume from the Workloads page and the details page: POST + CSRF, queued after commit,
the stopping/stopped row says so ("Stopped by member, 5 min ago"), the menu offers Stop or
Resume where they apply, refusals are a 409 with the reason and change nothing."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import record_published
from workloads import task_names
from workloads.models import ScaleVerb, StatusChange, Workload, WorkloadType
from workloads.status import WorkloadStatus


def stop_url(project, workload):
    return reverse("workloads:stop", args=[project.name, workload.pk])


def resume_url(project, workload):
    return reverse("workloads:resume", args=[project.name, workload.pk])


@pytest.fixture
def stops(monkeypatch):
    return record_published(monkeypatch, task_names.STOP_WORKLOAD)


@pytest.fixture
def resumes(monkeypatch):
    return record_published(monkeypatch, task_names.RESUME_WORKLOAD)


def stopped(make_workload, member, *, minutes_ago=5, **fields):
    """A workload as the stop task leaves it: Terminated, who and when stored."""
    return make_workload(
        **{
            "type": WorkloadType.WORKSPACE,
            "status": WorkloadStatus.TERMINATED,
            "status_reason": "stopped by member",
            "stopped_at": timezone.now() - timedelta(minutes=minutes_ago, seconds=5),
            "stopped_by": member,
            "stopped_by_name": member.username,
            "workspace_url": "https://ws.example.com/vision/nb/",
            "requested_gpu": 2,
            **fields,
        }
    )


def test_stop_queues_the_task_and_the_row_says_stopping(
    member_client, project, list_url, make_workload, stops, django_capture_on_commit_callbacks
):
    workload = make_workload(name="nb", type=WorkloadType.WORKSPACE, workspace_url="https://ws.example.com/x/")
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(stop_url(project, workload), {"next": f"{list_url}?name=nb"})
    assert response.status_code == 303 and response["Location"] == f"{list_url}?name=nb"
    assert stops == [workload.pk]
    workload.refresh_from_db()
    assert (workload.status, workload.scale_pending) == (WorkloadStatus.RUNNING, ScaleVerb.STOP)

    html = member_client.get(response["Location"]).content.decode()
    assert "Stopping nb" in html
    assert "Stopping… (requested by member)" in html
    assert "Stop…</button>" not in html and "Resume</button>" not in html  # neither while under way
    assert "Open workspace" not in html  # nothing to open while it stops

    again = member_client.post(stop_url(project, workload))  # a double click
    assert again.status_code == 409 and "already stopped or being stopped" in again.content.decode()
    assert stops == [workload.pk]


@pytest.mark.parametrize("type_", [WorkloadType.TRAINING, WorkloadType.CUSTOM])
def test_batch_and_custom_workloads_are_refused_with_the_reason(member_client, project, make_workload, stops, type_):
    workload = make_workload(name="batch", type=type_)
    response = member_client.post(stop_url(project, workload))
    assert response.status_code == 409
    html = response.content.decode()
    assert "Cannot stop batch" in html
    assert "only Inference and Workspace workloads can be stopped" in html
    workload.refresh_from_db()
    assert workload.stopped_at is None and stops == []


def test_a_finished_workload_is_not_stopped(member_client, project, make_workload, stops):
    workload = make_workload(type=WorkloadType.INFERENCE, status=WorkloadStatus.FAILED)
    response = member_client.post(stop_url(project, workload))
    assert response.status_code == 409 and "only a Running or Pending workload" in response.content.decode()


def test_the_stopped_row_shows_who_and_when_and_offers_resume(member_client, member, list_url, make_workload):
    workload = stopped(make_workload, member, name="nb")
    html = member_client.get(list_url).content.decode()
    assert '<span class="badge terminated">Terminated</span>' in html
    assert "Stopped by member, 5 min ago" in html
    assert f'form="scale-form" formaction="{resume_url(workload.project, workload)}"' in html
    assert "Stop…</button>" not in html
    assert "Open workspace" not in html  # not even disabled: a stopped workspace has nothing to open


def test_stop_is_offered_for_running_services_only(member_client, project, list_url, make_workload):
    service = make_workload(name="infer", type=WorkloadType.INFERENCE)
    make_workload(name="train", type=WorkloadType.TRAINING)
    html = member_client.get(list_url).content.decode()
    assert html.count("Stop…</button>") == 1
    # The table sits in the bulk form: the buttons post through the page's own form (no nesting).
    assert f'form="scale-form" formaction="{stop_url(project, service)}"' in html
    assert 'data-confirm="Stop infer?' in html
    assert re.search(r'<form id="scale-form" method="post" hidden><input type="hidden" name="csrfmiddlewaretoken"', html)


def test_resume_readmits_and_queues(
    member_client, member, project, make_workload, resumes, django_capture_on_commit_callbacks
):
    workload = stopped(make_workload, member)
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(resume_url(project, workload), {"from": "detail"})
    assert response.status_code == 303
    assert response["Location"] == reverse("workloads:detail", args=[project.name, workload.pk])
    assert resumes == [workload.pk]
    workload.refresh_from_db()
    assert (workload.status, workload.scale_pending) == (WorkloadStatus.PENDING, ScaleVerb.RESUME)
    assert workload.status_reason == "resuming, requested by member"


def test_resume_refused_by_the_quota_changes_nothing(member_client, member, project, quota, make_workload, resumes):
    workload = stopped(make_workload, member, requested_gpu=6)
    make_workload(name="took-it", requested_gpu=4)  # Running, holds 4 of the 8 GPUs
    history = StatusChange.objects.filter(workload=workload).count()
    response = member_client.post(resume_url(project, workload))
    assert response.status_code == 409
    html = response.content.decode()
    assert "Cannot resume" in html and "GPU: requested 6, 4 free of quota 8" in html
    workload.refresh_from_db()
    assert (workload.status, workload.scale_pending) == (WorkloadStatus.TERMINATED, "")
    assert workload.is_stopped and StatusChange.objects.filter(workload=workload).count() == history
    assert resumes == []


def test_only_a_stopped_workload_resumes(member_client, project, make_workload, resumes):
    terminated = make_workload(type=WorkloadType.WORKSPACE, status=WorkloadStatus.TERMINATED)  # not by a stop
    response = member_client.post(resume_url(project, terminated))
    assert response.status_code == 409 and "is not stopped" in response.content.decode()
    assert resumes == []


def test_details_show_who_stopped_it_and_offer_resume(member_client, member, project, make_workload):
    workload = stopped(make_workload, member, minutes_ago=3)
    html = member_client.get(reverse("workloads:detail", args=[project.name, workload.pk])).content.decode()
    assert "Stopped by <strong>member</strong>" in html and "(3 min ago)" in html
    assert f'action="{resume_url(project, workload)}"' in html
    assert "Open workspace" not in html


def test_stop_and_resume_need_csrf(member, quota, project, make_workload):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    running = make_workload(type=WorkloadType.INFERENCE)
    paused = stopped(make_workload, member)
    assert client.post(stop_url(project, running)).status_code == 403
    assert client.post(resume_url(project, paused)).status_code == 403
    assert Workload.objects.get(pk=running.pk).stopped_at is None
    assert Workload.objects.get(pk=paused.pk).status == WorkloadStatus.TERMINATED


def test_another_projects_workload_is_404(member_client, project, other_workload):
    Workload.objects.filter(pk=other_workload.pk).update(type=WorkloadType.INFERENCE)
    assert member_client.post(stop_url(project, other_workload)).status_code == 404
    assert member_client.post(resume_url(project, other_workload)).status_code == 404
    assert Workload.objects.get(pk=other_workload.pk).stopped_at is None


@pytest.mark.parametrize("fragment", [False, True])
def test_stoppable_and_stopped_rows_cost_no_query_each(
    member_client, member, project, cluster, list_url, django_assert_max_num_queries, fragment
):
    headers = {"HX-Request": "true"} if fragment else {}

    def seed(count):
        now = timezone.now()
        Workload.objects.bulk_create(
            Workload(project=project, cluster=cluster, name=f"s{count}-{i}", namespace="vision",
                     type=(WorkloadType.WORKSPACE, WorkloadType.INFERENCE)[i % 2], created_by_name="member",
                     status=(WorkloadStatus.RUNNING, WorkloadStatus.TERMINATED)[i % 2],
                     stopped_at=now if i % 2 else None, stopped_by_name="member" if i % 2 else "")
            for i in range(count)
        )

    seed(5)
    member_client.get(list_url, {"per_page": 100}, headers=headers)
    # The list page's budget (tests/web/test_workloads_query_budget.py): stop and resume add none.
    with django_assert_max_num_queries(7) as small:
        member_client.get(list_url, {"per_page": 100}, headers=headers)
    seed(95)
    with django_assert_max_num_queries(len(small)):
        response = member_client.get(list_url, {"per_page": 100}, headers=headers)
    html = response.content.decode()
    assert html.count("Resume</button>") == 5 // 2 + 95 // 2  # the odd rows are stopped
    assert html.count("Stop…</button>") == 100 - (5 // 2 + 95 // 2)


def test_a_lost_stop_or_resume_is_sent_again_once(make_workload, member, monkeypatch):
    from workloads.lifecycle import queueing
    from workloads.lifecycle.queueing import resend_lost_scales

    sent = []  # one recorder for both names (two record_published would replace each other)
    monkeypatch.setattr(queueing, "publish", lambda name, args: sent.append((name, args[0])))

    long_ago = timezone.now() - timedelta(minutes=10)
    stopping = make_workload(type=WorkloadType.INFERENCE, scale_pending=ScaleVerb.STOP, task_sent_at=long_ago,
                             stopped_at=long_ago, stopped_by_name="member")
    resuming = stopped(make_workload, member, status=WorkloadStatus.PENDING, scale_pending=ScaleVerb.RESUME,
                       task_sent_at=long_ago)
    make_workload(type=WorkloadType.INFERENCE, scale_pending=ScaleVerb.STOP, task_sent_at=timezone.now())  # just sent
    assert resend_lost_scales(older_than=60) == {"stop": 1, "resume": 1}
    assert sent == [(task_names.STOP_WORKLOAD, stopping.pk), (task_names.RESUME_WORKLOAD, resuming.pk)]
    assert resend_lost_scales(older_than=60) == {"stop": 0, "resume": 0}  # stamped: not again next minute
