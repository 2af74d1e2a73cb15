"""Every manager's `for_user(user)`: members see their projects' rows, outsiders and anonymous
users none, platform admins (superusers) all."""

import pytest
from django.contrib.auth.models import AnonymousUser

from projects.models import Cluster, Membership, Project, Quota
from workloads.models import Workload

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_projects(project, other_project, cluster, quota, member, outsider, make_workload):
    west = Cluster.objects.create(name="west", api_url="http://127.0.0.1:2")
    Quota.objects.create(project=other_project, cluster=west)
    mine = make_workload(name="mine")
    theirs = Workload.objects.create(project=other_project, cluster=west, name="theirs", type="training",
                                     namespace="sandbox", created_by_name="outsider")
    return {"mine": mine, "theirs": theirs, "east": cluster, "west": west}


@pytest.mark.parametrize(
    ("manager", "mine", "theirs"),
    [
        (Project.objects, lambda rows: Project.objects.get(name="vision"),
         lambda rows: Project.objects.get(name="sandbox")),
        (Workload.objects, lambda rows: rows["mine"], lambda rows: rows["theirs"]),
        (Cluster.objects, lambda rows: rows["east"], lambda rows: rows["west"]),
        (Membership.objects, lambda rows: Membership.objects.get(user__username="member"),
         lambda rows: Membership.objects.get(user__username="outsider")),
    ],
    ids=["Project", "Workload", "Cluster", "Membership"],
)
def test_for_user_scopes_every_manager(two_projects, member, django_user_model, manager, mine, theirs):
    visible = set(manager.for_user(member))
    assert mine(two_projects) in visible
    assert theirs(two_projects) not in visible
    assert list(manager.for_user(AnonymousUser())) == []
    root = django_user_model.objects.create_superuser("root", password="x")
    assert {mine(two_projects), theirs(two_projects)} <= set(manager.for_user(root))
