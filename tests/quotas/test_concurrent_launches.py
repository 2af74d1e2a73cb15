"""20 launches at the same moment, from threads with their own PostgreSQL connections, never exceed the quota."""

import threading

import pytest
from django.db import connection

from tests.conftest import GIB
from workloads.lifecycle import launch_request as admission
from workloads.lifecycle.launch_request import AdmissionRefused, Launch, admit
from workloads.models import Workload, WorkloadType

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 20


def test_twenty_concurrent_launches_never_exceed_the_quota(project, cluster, quota, member, monkeypatch):
    queued = []
    monkeypatch.setattr(admission, "enqueue_create", queued.append)  # no broker: record the ids
    request_gpu = 3  # quota 8 -> floor(8 / 3) = 2 fit
    start = threading.Barrier(THREADS)
    admitted, refusals, errors = [], [], []
    lock = threading.Lock()

    def launch(i):
        try:
            start.wait()
            workload = admit(
                project, cluster, member,
                Launch(name=f"race-{i}", type=WorkloadType.TRAINING, gpu=request_gpu, cpu_millicores=1000,
                       memory_bytes=GIB, spec={"image": "python:3.12"}),
            )
            with lock:
                admitted.append(workload.pk)
        except AdmissionRefused as refused:
            with lock:
                refusals.append(refused.messages)
        except Exception as error:  # noqa: BLE001 - reported below
            with lock:
                errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=launch, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(admitted) == quota.gpu // request_gpu == 2
    assert len(refusals) == THREADS - 2
    assert Workload.objects.filter(project=project).count() == 2
    assert sum(Workload.objects.values_list("requested_gpu", flat=True)) <= quota.gpu
    assert all(
        messages == ["GPU: requested 3, 2 free of quota 8 on cluster east (1 over)"] for messages in refusals
    ), refusals
    assert sorted(queued) == sorted(admitted)


def test_a_name_taken_by_a_launch_still_in_flight_is_refused(project, cluster, quota, member, monkeypatch):
    """Two clusters' launches hold different quota locks; the database constraint on live names
    stops the second one, and admission turns it into a clear refusal."""
    from projects.models import Cluster, Quota

    west = Cluster.objects.create(name="west", api_url="http://127.0.0.1:2", capacity_gpu=16,
                                  capacity_cpu_millicores=64_000, capacity_memory_bytes=256 * GIB)
    Quota.objects.create(project=project, cluster=west, gpu=8, cpu_millicores=32_000, memory_bytes=128 * GIB)
    monkeypatch.setattr(admission, "enqueue_create", lambda workload_id: None)
    inserted, release = threading.Event(), threading.Event()

    def launch_on_west_and_hold():
        from django.db import transaction

        try:
            with transaction.atomic():
                Workload.objects.create(project=project, cluster=west, name="same-name", type=WorkloadType.TRAINING,
                                        namespace="vision", created_by_name="member")
                inserted.set()
                release.wait(timeout=1)  # still uncommitted while the east launch checks the name
        finally:
            connection.close()

    holder = threading.Thread(target=launch_on_west_and_hold)
    holder.start()
    assert inserted.wait(timeout=10)
    threading.Timer(0.3, release.set).start()  # commit while the east insert waits on the index
    with pytest.raises(AdmissionRefused) as refused:
        admit(project, cluster, member, Launch(name="same-name", type=WorkloadType.TRAINING, gpu=0,
                                               cpu_millicores=100, memory_bytes=GIB, spec={"image": "python:3.12"}))
    holder.join(timeout=10)
    assert refused.value.messages == ["A workload named same-name already exists in Vision."]
    assert list(Workload.objects.filter(name="same-name").values_list("cluster__name", flat=True)) == ["west"]
