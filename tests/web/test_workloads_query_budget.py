"""Query budgets: the list, its fragment and the details page cost the same at 5 and 100 rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from workloads.models import Component, StatusChange, Workload


def seed(project, cluster, count):
    Workload.objects.bulk_create(
        Workload(project=project, cluster=cluster, name=f"w{count}-{i}", type=("training", "workspace")[i % 2],
                 status="running", namespace="vision", created_by_name="member",
                 workspace_url="https://ws.example.com/x/")
        for i in range(count)
    )


def count_queries(client, url, **kwargs):
    client.get(url, **kwargs)  # the first visit also remembers the project in the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **kwargs)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("fragment", [False, True])
@pytest.mark.parametrize("view", [{}, {"sort": "status"}, {"sort": "-gpu"}, {"sort": "cluster"},
                                  {"name": "w", "type": "training", "status": ["running", "failed"]}])
def test_list_queries_do_not_grow_with_rows(
    member_client, project, cluster, list_url, django_assert_max_num_queries, fragment, view
):
    headers = {"HX-Request": "true"} if fragment else {}
    query = {"per_page": 100, **view}
    seed(project, cluster, 5)
    small = count_queries(member_client, list_url, data=query, headers=headers)
    seed(project, cluster, 95)
    with django_assert_max_num_queries(small):
        member_client.get(list_url, query, headers=headers)
    # session, user, the projects (membership, picker and clusters), workloads page, and the
    # counts per (type, status) (which also give the pager its total)
    assert small <= 5


def test_details_queries_do_not_grow_with_components(
    member_client, project, cluster, make_workload, django_assert_max_num_queries
):
    workload = make_workload()
    url = reverse("workloads:detail", args=[project.name, workload.pk])

    def add(n):
        Component.objects.bulk_create(
            Component(workload=workload, kind="Pod", api_version="v1", name=f"p{n}-{i}", namespace="vision")
            for i in range(n)
        )
        StatusChange.objects.bulk_create(
            StatusChange(workload=workload, to_status="running") for _ in range(n)
        )

    add(5)
    small = count_queries(member_client, url)
    add(95)
    with django_assert_max_num_queries(small):
        member_client.get(url)
    assert small <= 7
