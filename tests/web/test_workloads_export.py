"""CSV export of the current filtered view, without the checkbox and actions columns."""

import csv
import io


def test_export_follows_filters_and_sort(member_client, list_url, make_workload):
    make_workload(name="b-train", status="failed", requested_cpu_millicores=500, requested_memory_bytes=2 * 1024**3)
    make_workload(name="a-train", status="failed")
    make_workload(name="running-one", status="running")
    response = member_client.get(list_url, {"status": "failed", "sort": "name", "_export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.content.decode())))
    assert table[0] == ["Name", "Type", "Cluster", "GPU", "CPU", "Memory", "Status", "Created"]
    assert [row[0] for row in table[1:]] == ["a-train", "b-train"]
    assert table[2][4:7] == ["0.5", "2 GiB", "Failed"]


def test_export_with_invalid_filter_is_empty(member_client, list_url, make_workload):
    make_workload()
    table = list(csv.reader(io.StringIO(member_client.get(list_url, {"status": "x", "_export": "csv"}).content.decode())))
    assert len(table) == 1
