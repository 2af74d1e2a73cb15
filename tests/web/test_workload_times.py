"""Queue and run time on the details page, for every status: a pure function of the stamps and history."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from workloads.models import StatusChange
from workloads.status import WorkloadStatus as S
from workloads.transitions import Transition, apply_transitions
from workloads.web.display import WorkloadTimes, workload_times

CREATED = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
NOW = CREATED + timedelta(days=1, hours=18)


@dataclass
class Change:
    to_status: str
    at: datetime


def minutes(n):
    return CREATED + timedelta(minutes=n)


def history(*steps):
    return [Change(to, minutes(at)) for to, at in steps]


RAN = (S.ADDED, 0), (S.PENDING, 1), (S.RUNNING, 3)


@pytest.mark.parametrize(
    ("status", "started", "finished", "steps", "expected"),
    [
        (S.ADDED, None, None, [(S.ADDED, 0)], WorkloadTimes("1 d 18 h", "", False)),
        (S.PENDING, None, None, [(S.ADDED, 0), (S.PENDING, 1)], WorkloadTimes("1 d 18 h", "", False)),
        (S.RUNNING, minutes(3), None, RAN, WorkloadTimes("3 min 0 s", "1 d 17 h", True)),
        (S.COMPLETE, minutes(3), minutes(63), [*RAN, (S.COMPLETE, 63)], WorkloadTimes("3 min 0 s", "1 h 0 min", False)),
        (S.FAILED, minutes(3), minutes(13), [*RAN, (S.FAILED, 13)], WorkloadTimes("3 min 0 s", "10 min 0 s", False)),
        (S.TERMINATED, minutes(3), minutes(8), [*RAN, (S.TERMINATED, 8)], WorkloadTimes("3 min 0 s", "5 min 0 s", False)),
        (S.DELETING, minutes(3), None, [*RAN, (S.DELETING, 20)], WorkloadTimes("3 min 0 s", "17 min 0 s", False)),
        (S.DELETED, minutes(3), minutes(25), [*RAN, (S.DELETING, 20), (S.DELETED, 25)],
         WorkloadTimes("3 min 0 s", "22 min 0 s", False)),
        (S.DELETE_FAILED, minutes(3), None, [*RAN, (S.DELETING, 20), (S.DELETE_FAILED, 21)],
         WorkloadTimes("3 min 0 s", "17 min 0 s", False)),
        (S.UNKNOWN, minutes(3), None, [*RAN, (S.UNKNOWN, 30)], WorkloadTimes("3 min 0 s", "27 min 0 s", False)),
        # Never started: it waited until it failed, or until the delete took it out of the queue.
        (S.FAILED, None, minutes(4), [(S.ADDED, 0), (S.PENDING, 1), (S.FAILED, 4)], WorkloadTimes("4 min 0 s", "", False)),
        (S.DELETED, None, minutes(9), [(S.ADDED, 0), (S.DELETING, 6), (S.DELETED, 9)], WorkloadTimes("6 min 0 s", "", False)),
    ],
    ids=lambda value: str(value) if isinstance(value, S) else None,
)
def test_queue_and_run_time_per_status(status, started, finished, steps, expected):
    assert workload_times(status, CREATED, started, finished, history(*steps), NOW) == expected


def test_missing_stamps_come_from_the_history():
    """Rows without started_at/finished_at (seeded, or older than the stamps) read them from history."""
    steps = history((S.COMPLETE, 50), (S.ADDED, 0), (S.RUNNING, 2))  # any order
    assert workload_times(S.COMPLETE, CREATED, None, None, steps, NOW) == WorkloadTimes("2 min 0 s", "48 min 0 s", False)


def test_a_finished_workload_is_never_said_to_be_running():
    for status in S:
        times = workload_times(status, CREATED, minutes(3), minutes(10), history(*RAN), NOW)
        assert times.running == (status == S.RUNNING), status


@pytest.mark.django_db
def test_details_page_of_a_finished_workload_shows_its_run_time_without_running(member_client, project, make_workload):
    workload = make_workload(status=S.COMPLETE, created_at=CREATED, started_at=None, finished_at=None)
    StatusChange.objects.bulk_create([
        StatusChange(workload=workload, to_status=S.ADDED, at=CREATED),
        StatusChange(workload=workload, from_status=S.ADDED, to_status=S.COMPLETE, at=minutes(5)),
    ])
    html = member_client.get(reverse("workloads:detail", args=[project.name, workload.pk])).content.decode()
    assert "<dt>Run time</dt><dd>—</dd>" in html  # never Running: no run time, and no "(running)"
    assert "<dt>Queue time</dt><dd>5 min 0 s</dd>" in html
    assert "(running)" not in html


@pytest.mark.django_db
def test_a_resumed_workload_is_no_longer_finished(make_workload):
    workload = make_workload(status=S.RUNNING)
    apply_transitions([Transition(workload.pk, S.TERMINATED, "Stopped by dev")])
    workload.refresh_from_db()
    assert workload.finished_at is not None
    apply_transitions([Transition(workload.pk, S.RUNNING, "1 of 1 ready")])
    workload.refresh_from_db()
    assert workload.finished_at is None  # its run time counts again, not "ran until the stop"
