"""20 launches at the same moment, from threads with their own PostgreSQL connections, never exceed the quota."""

import threading

import pytest
from django.db import connection

from tests.conftest import GIB
from workloads import admission
from workloads.admission import AdmissionRefused, Launch, admit
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
