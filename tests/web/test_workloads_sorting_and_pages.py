"""Sorting and pages: stable across pages with ties, page sizes capped, no COUNT(*)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

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
    """The one count is the filter's grouped one (an index-only scan of (project, type, status)),
    which also gives the pager its total: never a plain COUNT(*) of the rows."""
    make_workload()
    with CaptureQueriesContext(connection) as queries:
        member_client.get(list_url)
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
    assert 'href="?name=w&amp;sort=name&amp;page=2"' in html


@pytest.mark.parametrize("page", ["100000000000000000000", "9223372036854775807", "1" * 4400])
def test_a_page_deeper_than_the_limit_is_refused_with_a_message(member_client, list_url, make_workload, page):
    """Such an OFFSET overflowed PostgreSQL's bigint: a 500."""
    make_workload(name="only")
    response = member_client.get(list_url, {"page": page})
    assert response.status_code == 200
    assert names(response) == ["only"]
    if len(page) < 4300:  # longer is not a number to Python's int(): page 1, nothing to explain
        assert "is deeper than this list goes (page 1000)" in response.content.decode()


@pytest.mark.parametrize("page", ["-5", "99"])
def test_a_page_out_of_range_says_so(member_client, list_url, make_workload, page):
    make_workload(name="only")
    response = member_client.get(list_url, {"page": page})
    assert response.status_code == 200
    assert names(response) == ["only"]
    assert f"Page {page} is out of range. Showing page 1." in response.content.decode()


def test_the_deepest_page_has_no_next(member_client, list_url, make_workload, settings):
    settings.WORKLOADS_MAX_PAGE = 2
    for i in range(60):
        make_workload(name=f"w{i:02d}")
    second = member_client.get(list_url, {"page": 2, "sort": "name"})
    assert names(second)[0] == "w25"
    assert 'rel="next"' not in second.content.decode()
    third = member_client.get(list_url, {"page": 3})
    assert "is deeper than this list goes (page 2)" in third.content.decode()


def test_pages_within_range_say_nothing(member_client, list_url, make_workload):
    for i in range(30):
        make_workload(name=f"w{i}")
    assert "out of range" not in member_client.get(list_url, {"page": 2}).content.decode()
