"""CSV export of the current filtered view, without the checkbox and actions columns: streamed,
capped, and safe to open in a spreadsheet."""

import csv
import io
from datetime import UTC, datetime, timedelta, timezone

import pytest

from projects.models import Cluster
from workloads.status import WorkloadStatus
from workloads.web.export import ExportColumns
from workloads.web.tables import WorkloadTable, list_queryset


def body(response):
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def exported(response):
    return list(csv.reader(io.StringIO(body(response))))


def test_export_follows_filters_and_sort(member_client, list_url, make_workload):
    make_workload(name="b-train", status="failed", requested_cpu_millicores=500, requested_memory_bytes=2 * 1024**3)
    make_workload(name="a-train", status="failed")
    make_workload(name="running-one", status="running")
    response = member_client.get(list_url, {"status": "failed", "sort": "name", "_export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    table = exported(response)
    assert table[0] == ["name", "type", "cluster", "gpu", "cpu_cores", "memory_bytes", "status", "created_at",
                        "created_by"]
    assert [row[0] for row in table[1:]] == ["a-train", "b-train"]
    assert table[2][4:7] == ["0.5", str(2 * 1024**3), "Failed"]


def test_export_with_invalid_filter_is_empty(member_client, list_url, make_workload):
    make_workload()
    table = exported(member_client.get(list_url, {"status": "x", "_export": "csv"}))
    assert len(table) == 1


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=cmd"])
def test_text_cells_that_would_start_a_formula_get_a_quote(member_client, list_url, make_workload, cluster, text):
    Cluster.objects.filter(pk=cluster.pk).update(display_name=text)
    make_workload(name=text, created_by_name=text, requested_gpu=3)
    row = exported(member_client.get(list_url, {"_export": "csv"}))[1]
    assert row[0] == "'" + text  # name (a Custom workload's comes from the cluster)
    assert row[2] == "'" + text  # cluster
    assert row[8] == "'" + text  # created_by, its own cell now


def test_numbers_stay_numbers_and_safe_text_is_unchanged(member_client, list_url, make_workload):
    make_workload(name="name-with-dash", requested_gpu=3, requested_cpu_millicores=1500,
                  requested_memory_bytes=1536 * 1024**2, created_by_name="dev")
    text = body(member_client.get(list_url, {"_export": "csv"}))
    line = text.splitlines()[1]
    # Resources bare, as numbers (units in the headers gpu, cpu_cores, memory_bytes).
    assert line.startswith('"name-with-dash","Training","east",3,1.5,1610612736,"Running",')
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row[:7] == ["name-with-dash", "Training", "east", "3", "1.5", "1610612736", "Running"]


def test_created_is_two_columns_iso_utc_time_and_who(member_client, list_url, make_workload):
    at = datetime(2026, 12, 2, 9, 15, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    make_workload(name="w", created_at=at, created_by_name="dev")
    table = exported(member_client.get(list_url, {"_export": "csv"}))
    assert table[0][-2:] == ["created_at", "created_by"]
    assert table[1][-2:] == ["2026-12-02T07:15:00Z", "dev"]
    assert datetime.fromisoformat(table[1][-2]) == at.astimezone(UTC).replace(microsecond=0)


def test_export_is_cut_at_the_row_cap_and_says_so(member_client, list_url, make_workload, settings):
    settings.WORKLOADS_EXPORT_MAX_ROWS = 3
    for i in range(5):
        make_workload(name=f"w-{i}")
    table = exported(member_client.get(list_url, {"_export": "csv", "sort": "name"}))
    assert [row[0] for row in table[1:4]] == ["w-0", "w-1", "w-2"]
    assert table[4:] == [["Export cut at 3 rows: narrow the filters to export the rest."]]


def test_an_export_at_the_cap_is_not_said_to_be_cut(member_client, list_url, make_workload, settings):
    settings.WORKLOADS_EXPORT_MAX_ROWS = 3
    for i in range(3):
        make_workload(name=f"w-{i}")
    table = exported(member_client.get(list_url, {"_export": "csv"}))
    assert len(table) == 4 and "cut" not in table[-1][0]


def test_the_page_states_the_cap_next_to_the_export_link(member_client, list_url, settings):
    html = member_client.get(list_url).content.decode()
    assert ">Export</a>" in html and "CSV, up to 10,000 rows" in html
    settings.WORKLOADS_EXPORT_MAX_ROWS = 2500
    assert "CSV, up to 2,500 rows" in member_client.get(list_url).content.decode()


@pytest.mark.parametrize("rows", [5, 60])
def test_export_queries_do_not_grow_with_rows(member_client, list_url, make_workload, django_assert_max_num_queries,
                                              rows):
    for _ in range(rows):
        make_workload()
    member_client.get(list_url)  # remembers the project in the session once
    # session, user, membership, then the rows (one fetch per chunk)
    with django_assert_max_num_queries(4):
        assert len(exported(member_client.get(list_url, {"_export": "csv"}))) == rows + 1


@pytest.mark.django_db
def test_export_columns_read_what_the_tables_as_values_reads(project, member, make_workload, cluster):
    Cluster.objects.filter(pk=cluster.pk).update(display_name="East One")
    make_workload(name="a", status=WorkloadStatus.DELETE_FAILED, requested_cpu_millicores=250, created_by_name="")
    make_workload(name="b", type="workspace", requested_gpu=2, requested_memory_bytes=3 * 1024**3)
    table = WorkloadTable(list_queryset(member, project), project=project, order_by="name")
    expected = list(table.as_values(exclude_columns=("select", "actions")))
    columns = ExportColumns(table, exclude=("select", "actions"))
    # Same cells; the headers are the column names, which a program reads more easily.
    assert [columns.values(record) for record in table.data.data] == expected[1:]
    assert columns.headers == [bound.name for bound in table.columns.iterall()
                               if bound.name not in ("select", "actions") and not bound.column.exclude_from_export]
    assert [row[0] for row in expected[1:]] == ["a", "b"] and expected[1][6] == "Delete Failed"
