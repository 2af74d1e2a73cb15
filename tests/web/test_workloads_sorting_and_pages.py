"""Sorting and pages: stable across pages with ties, page sizes capped, no COUNT(*)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from projects.models import Cluster, Quota
from tests.web.conftest import names, rows


@pytest.fixture
def sixty_with_ties(make_workload):
    """60 workloads sharing 3 created_at values and 2 names: sorting alone cannot order them."""
    moments = [timezone.now().replace(microsecond=0) - timezone.timedelta(minutes=m) for m in range(3)]
    return [
        # Same names (Custom workloads, named by the cluster, may share one), same times.
        make_workload(name=f"job-{i % 2}", type="custom", created_at=moments[i % 3],
                      status=("running", "failed")[i % 2])
        for i in range(60)
    ]


def all_pages(client, url, query):
    seen, page = [], 1
    while True:
        response = client.get(url, {**query, "page": page, "per_page": 25})
        got = rows(response)
        seen.extend(got)
        if 'rel="next"' not in response.content.decode():
            return seen
        page += 1


@pytest.mark.parametrize("sort", ["", "-created", "created", "name", "-name", "status", "-status", "type"])
def test_every_row_once_across_pages(member_client, list_url, sixty_with_ties, sort):
    query = {"sort": sort} if sort else {}
    seen = all_pages(member_client, list_url, query)
    ids = [pk for pk, _ in seen]
    assert len(ids) == len(set(ids)) == 60


def test_default_order_is_newest_first_then_id(member_client, list_url, sixty_with_ties):
    seen = [pk for pk, _ in all_pages(member_client, list_url, {})]
    by_id = {w.pk: w for w in sixty_with_ties}
    keys = [(by_id[pk].created_at, pk) for pk in seen]
    assert keys == sorted(keys, reverse=True)


def test_sort_by_name(member_client, list_url, make_workload):
    for name in ["charlie", "alpha", "bravo"]:
        make_workload(name=name)
    assert names(member_client.get(list_url, {"sort": "name"})) == ["alpha", "bravo", "charlie"]
    assert names(member_client.get(list_url, {"sort": "-name"})) == ["charlie", "bravo", "alpha"]


def test_unknown_sort_falls_back_to_default(member_client, list_url, make_workload):
    make_workload(name="a")
    response = member_client.get(list_url, {"sort": "password"})
    assert response.status_code == 200
    assert names(response) == ["a"]


@pytest.mark.parametrize(("asked", "served"), [("1000000", 100), ("100", 100), ("50", 50), ("7", 25), ("x", 25)])
def test_per_page_is_capped_to_the_choices(member_client, list_url, project, cluster, asked, served):
    from workloads.models import Workload

    Workload.objects.bulk_create(
        Workload(project=project, cluster=cluster, name=f"bulk-{i}", type="training", status="running",
                 namespace="vision", created_by_name="member")
        for i in range(120)
    )
    response = member_client.get(list_url, {"per_page": asked})
    assert len(rows(response)) == served


def test_no_count_query_over_the_table(member_client, list_url, make_workload):
    """The pager's total comes from the counter table (WorkloadCount); a name filter adds the
    filter's grouped count: never a plain COUNT(*) of the rows."""
    make_workload()
    with CaptureQueriesContext(connection) as queries:
        member_client.get(list_url)
    assert not [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert any("workloads_workloadcount" in q["sql"] for q in queries.captured_queries)
    with CaptureQueriesContext(connection) as queries:
        member_client.get(list_url, {"name": "w"})
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "GROUP BY" in counts[0]


def test_page_beyond_the_end_shows_the_first_page(member_client, list_url, make_workload):
    make_workload(name="only")
    response = member_client.get(list_url, {"page": 99})
    assert response.status_code == 200
    assert names(response) == ["only"]


def test_pager_links_keep_filters_and_sort(member_client, list_url, make_workload):
    for i in range(30):
        make_workload(name=f"w{i}")
    html = member_client.get(list_url, {"name": "w", "sort": "name"}).content.decode()
    assert 'href="?name=w&amp;sort=name&amp;cursor=' in html  # Next goes on by keyset cursor


@pytest.mark.parametrize("page", ["100000000000000000000", "9223372036854775807", "1" * 4400])
def test_a_page_deeper_than_the_limit_is_refused_with_a_message(member_client, list_url, make_workload, page):
    """Such an OFFSET overflowed PostgreSQL's bigint: a 500."""
    make_workload(name="only")
    response = member_client.get(list_url, {"page": page})
    assert response.status_code == 200
    assert names(response) == ["only"]
    if len(page) < 4300:  # longer is not a number to Python's int(): page 1, nothing to explain
        assert "is deeper than page numbers go (page 200): use Next" in response.content.decode()


@pytest.mark.parametrize("page", ["-5", "99"])
def test_a_page_out_of_range_says_so(member_client, list_url, make_workload, page):
    make_workload(name="only")
    response = member_client.get(list_url, {"page": page})
    assert response.status_code == 200
    assert names(response) == ["only"]
    assert f"Page {page} is out of range. Showing page 1." in response.content.decode()


def test_past_the_deepest_page_number_next_goes_on_by_cursor(member_client, list_url, make_workload, settings):
    settings.WORKLOADS_MAX_PAGE = 2
    for i in range(60):
        make_workload(name=f"w{i:02d}")
    second = member_client.get(list_url, {"page": 2, "sort": "name"})
    assert names(second)[0] == "w25"
    assert 'rel="next" href="?sort=name&amp;cursor=' in second.content.decode()
    third = member_client.get(list_url, {"page": 3})
    assert "is deeper than page numbers go (page 2): use Next" in third.content.decode()


def test_pages_within_range_say_nothing(member_client, list_url, make_workload):
    for i in range(30):
        make_workload(name=f"w{i}")
    assert "out of range" not in member_client.get(list_url, {"page": 2}).content.decode()


def test_sort_by_status_follows_the_lifecycle_not_the_alphabet(member_client, list_url, make_workload):
    lifecycle = ["added", "pending", "running", "complete", "failed", "deleting", "deleted", "delete-failed",
                 "terminated", "unknown"]
    for status in reversed(lifecycle):
        make_workload(name=f"is-{status}", status=status)
    query = {"status": lifecycle, "per_page": 25}
    assert names(member_client.get(list_url, {**query, "sort": "status"})) == [f"is-{s}" for s in lifecycle]
    assert names(member_client.get(list_url, {**query, "sort": "-status"})) == [f"is-{s}" for s in reversed(lifecycle)]


@pytest.mark.parametrize(("sort", "field"), [("gpu", "requested_gpu"), ("cpu", "requested_cpu_millicores"),
                                             ("memory", "requested_memory_bytes")])
def test_sort_by_requested_resources_with_ties_by_id(member_client, list_url, make_workload, sort, field):
    made = [make_workload(name=f"r{i}", **{field: value}) for i, value in enumerate([4, 1, 8, 1, 2])]
    ascending = [w.name for w in sorted(made, key=lambda w: (getattr(w, field), w.pk))]
    assert names(member_client.get(list_url, {"sort": sort})) == ascending
    assert names(member_client.get(list_url, {"sort": f"-{sort}"})) == ascending[::-1]


def test_sort_by_cluster_groups_each_clusters_rows(member_client, list_url, make_workload, cluster, quota):
    west = Cluster.objects.create(name="west")
    Quota.objects.create(project=quota.project, cluster=west)
    made = [make_workload(name=f"c{i}", cluster=(cluster, west)[i % 2]) for i in range(6)]
    ascending = [w.name for w in sorted(made, key=lambda w: (w.cluster_id, w.pk))]
    assert names(member_client.get(list_url, {"sort": "cluster"})) == ascending
    assert names(member_client.get(list_url, {"sort": "-cluster"})) == ascending[::-1]


def test_every_sortable_column_has_a_header_link(member_client, list_url, make_workload):
    make_workload()
    html = member_client.get(list_url).content.decode()
    for sort in ("name", "type", "cluster", "gpu", "cpu", "memory", "status", "created"):
        assert f'href="?sort={sort}"' in html or f'href="?sort=-{sort}"' in html, sort


def test_per_page_choice_is_kept_in_the_url_and_the_select(member_client, list_url, make_workload):
    for i in range(60):
        make_workload(name=f"w{i:02d}")
    html = member_client.get(list_url, {"per_page": 50}).content.decode()
    assert len(rows_of(html)) == 50
    assert '<option value="50" selected>50</option>' in html
    assert '<select id="per_page" name="per_page" form="filters">' in html  # the filters' request sends it
    assert 'href="?per_page=50&amp;cursor=' in html


def rows_of(html):
    return re.findall(r'<tr id="workload-\d+"', html)
