"""Previous/Next by keyset cursor: every row once and in order at any depth, the same queries at
depth 1 and 1,000, and a forged cursor or one from another view is a 400 showing the first page,
never a 500 and never another project's rows."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from projects.models import Membership, Role
from tests.web.conftest import rows
from workloads.models import Workload, status_rank

NEXT = re.compile(r'rel="next" href="([^"]+)"')
PREVIOUS = re.compile(r'rel="prev" href="([^"]+)"')


def link(pattern, response):
    found = pattern.search(response.content.decode())
    return html.unescape(found.group(1)) if found else None


def follow(client, list_url, first_query, pattern=NEXT, start=None):
    """[(response)] from the page of `first_query` (or `start`'s link) following `pattern` to the end."""
    response = start or client.get(list_url, first_query)
    pages = [response]
    while (href := link(pattern, response)) is not None:
        response = client.get(href if href.startswith("/") else f"{list_url}{href}")
        assert response.status_code == 200
        pages.append(response)
    return pages


@pytest.fixture
def seventy_with_ties(project, cluster):
    """70 workloads sharing 3 created_at values, 2 names and few GPU values: only id orders them."""
    moments = [timezone.now().replace(microsecond=0) - timezone.timedelta(minutes=m) for m in range(3)]
    return Workload.objects.bulk_create(
        Workload(project=project, cluster=cluster, name=f"job-{i % 2}", type="custom",
                 created_at=moments[i % 3], status=("running", "failed", "pending")[i % 3], requested_gpu=i % 4,
                 namespace="vision", created_by_name="member")
        for i in range(70)
    )


SORT_KEYS = {
    "": lambda w: (w.created_at, w.pk), "-created": lambda w: (w.created_at, w.pk),
    "name": lambda w: (w.name, w.pk), "-gpu": lambda w: (w.requested_gpu, w.pk),
    "status": lambda w: (status_rank(w.status), w.pk), "-status": lambda w: (status_rank(w.status), w.pk),
    "type": lambda w: (w.type, w.pk), "cluster": lambda w: (w.cluster_id, w.pk),
}


@pytest.mark.parametrize("sort", list(SORT_KEYS))
def test_next_and_previous_walk_every_row_once_in_order(member_client, list_url, seventy_with_ties, sort):
    query = {"sort": sort, "per_page": 25} if sort else {"per_page": 25}
    pages = follow(member_client, list_url, query)
    assert len(pages) == 3 and all("cursor=" in link(NEXT, page) for page in pages[:-1])
    seen = [pk for page in pages for pk, _ in rows(page)]
    by_id = {w.pk: w for w in seventy_with_ties}
    keys = [SORT_KEYS[sort](by_id[pk]) for pk in seen]
    assert len(seen) == len(set(seen)) == 70
    assert keys == sorted(keys, reverse=sort in ("", "-created", "-gpu", "-status"))
    assert "Page 3 of 3" in pages[-1].content.decode()
    # Previous from the last page shows the same pages again, back to the plain first page.
    back = follow(member_client, list_url, None, PREVIOUS, start=pages[-1])
    assert [rows(page) for page in back] == [rows(page) for page in reversed(pages)]
    assert "cursor=" not in (link(PREVIOUS, back[-2]) or "")


def test_page_numbers_hand_over_to_the_cursor(member_client, list_url, seventy_with_ties):
    second = member_client.get(list_url, {"page": 2, "per_page": 25})
    third = member_client.get(f"{list_url}{link(NEXT, second)}")
    assert "Page 3" in third.content.decode() and len(rows(third)) == 20


def test_queries_are_the_same_at_depth_1_and_1000_by_cursor(
    member_client, list_url, project, cluster, django_assert_max_num_queries
):
    Workload.objects.bulk_create(
        Workload(project=project, cluster=cluster, name=f"w{i}", type="training", status="running",
                 namespace="vision", created_by_name="member")
        for i in range(1030)
    )
    pages = follow(member_client, list_url, {"per_page": 25, "sort": "name"})
    assert len(pages) == 42
    deep = link(NEXT, pages[39])  # rows 1,001 to 1,025
    with CaptureQueriesContext(connection) as shallow:
        member_client.get(list_url, {"per_page": 25, "sort": "name"})
    with django_assert_max_num_queries(len(shallow)):
        response = member_client.get(f"{list_url}{deep}")
    assert [name for _, name in rows(response)][0] == sorted(f"w{i}" for i in range(1030))[1000]
    assert len(shallow) <= 5  # session, user, projects + access + clusters, rows, counts


def cursor_of(client, list_url, query):
    href = link(NEXT, client.get(list_url, query))
    return parse_qs(urlsplit(href).query)["cursor"][0]


@pytest.mark.parametrize("cursor", ["nonsense", "W10:1tWcbD:xxxxxxxx", "x" * 5000, ""])
def test_a_forged_cursor_is_a_400_with_the_first_page(member_client, list_url, seventy_with_ties, cursor):
    first = member_client.get(list_url)
    response = member_client.get(list_url, {"cursor": cursor})
    if not cursor:
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert "This page link cannot be followed" in response.content.decode()
    assert rows(response) == rows(first)


def test_a_tampered_cursor_is_refused(member_client, list_url, seventy_with_ties):
    cursor = cursor_of(member_client, list_url, {})
    payload, _, signature = cursor.rpartition(":")
    response = member_client.get(list_url, {"cursor": f"{payload}:{signature[::-1]}"})
    assert response.status_code == 400 and "not made by this site" in response.content.decode()


@pytest.mark.parametrize(("made_for", "used_with"), [
    ({"sort": "name"}, {"sort": "-gpu"}),
    ({"sort": "name"}, {"sort": "-name"}),
    ({"status": ["running", "failed"]}, {"status": ["running", "pending"]}),
    ({"name": "job"}, {"name": "job-1"}),
])
def test_a_cursor_from_another_view_is_refused(member_client, list_url, seventy_with_ties, made_for, used_with):
    cursor = cursor_of(member_client, list_url, {**made_for, "per_page": 25})
    response = member_client.get(list_url, {**used_with, "cursor": cursor})
    assert response.status_code == 400
    assert "belongs to other filters or another sort" in response.content.decode()
    assert rows(response) == rows(member_client.get(list_url, used_with))


def test_a_cursor_from_another_project_never_shows_its_rows(
    member_client, member, list_url, other_project, cluster, seventy_with_ties
):
    Membership.objects.create(user=member, project=other_project, role=Role.MEMBER)
    Workload.objects.bulk_create(
        Workload(project=other_project, cluster=cluster, name=f"theirs-{i}", type="training", status="running",
                 namespace="sandbox", created_by_name="x")
        for i in range(30)
    )
    other_url = list_url.replace("/vision/", "/sandbox/")
    cursor = cursor_of(member_client, other_url, {})
    response = member_client.get(list_url, {"cursor": cursor})
    assert response.status_code == 400
    assert not [name for _, name in rows(response) if name.startswith("theirs")]
