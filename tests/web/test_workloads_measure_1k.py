"""Measured: the list page's SQL queries and server time at 1k workloads.

Timed through a real HTTP server (the test client instruments every template render and
copies contexts, which would inflate the figures); queries counted with the test client.
"""

import statistics
import time
import urllib.parse
import urllib.request

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from workloads.models import Workload

CASES = [
    ("page 1, 25 rows", {}, {}),
    ("page 1, 100 rows", {"per_page": 100}, {}),
    ("fragment, 100 rows, status+type filter, sort by name, page 3",
     {"per_page": 100, "status": ["running", "failed"], "type": "training", "sort": "name", "page": 3},
     {"HX-Request": "true"}),
]


@pytest.mark.django_db(transaction=True)
def test_list_page_at_1k_workloads(member_client, project, cluster, list_url, live_server, capsys):
    Workload.objects.bulk_create(
        Workload(project=project, cluster=cluster, name=f"w{i:04d}", type=("training", "workspace")[i % 2],
                 status=("running", "complete", "failed", "deleted")[i % 4], namespace="vision",
                 created_by_name="member", status_reason="2 of 2 replicas ready",
                 workspace_url="https://ws.example.com/x/")
        for i in range(1000)
    )
    cookie = f"sessionid={member_client.cookies['sessionid'].value}"
    report = []
    for label, query, headers in CASES:
        member_client.get(list_url, query, headers=headers)
        with CaptureQueriesContext(connection) as queries:
            assert member_client.get(list_url, query, headers=headers).status_code == 200
        url = f"{live_server.url}{list_url}?{urllib.parse.urlencode(query, doseq=True)}"
        request = urllib.request.Request(url, headers={"Cookie": cookie, **headers})
        times = []
        for _ in range(6):
            start = time.perf_counter()
            with urllib.request.urlopen(request) as response:
                assert response.status == 200
                response.read()
            times.append((time.perf_counter() - start) * 1000)
        report.append(f"{label}: {len(queries)} queries, median {statistics.median(times[1:]):.1f} ms")
        assert len(queries) <= 6
    with capsys.disabled():
        print("\n" + "\n".join(report))
