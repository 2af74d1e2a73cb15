"""Users come from the issuer + subject (never the e-mail alone); groups give project roles at
each sign-in, taken back when the group goes, while roles given by hand stay."""

import pytest

from projects.members import change_role
from projects.models import Membership, MembershipSource, Project, Role
from sso.accounts import apply_group_roles, groups_in, user_for_claims
from sso.models import GroupMapping, Identity

pytestmark = pytest.mark.django_db
ISSUER = "https://sso.example.com"


def test_first_sign_in_creates_the_user_and_later_ones_update_it(django_user_model):
    user = user_for_claims({"sub": "s-1", "preferred_username": "alice", "email": "a@example.com"}, issuer=ISSUER)
    assert not user.has_usable_password()
    again = user_for_claims({"sub": "s-1", "preferred_username": "renamed", "email": "new@example.com"}, issuer=ISSUER)
    assert again.pk == user.pk and again.email == "new@example.com" and again.username == "alice"
    assert Identity.objects.get().last_sign_in_at is not None


def test_an_email_of_a_local_account_does_not_sign_in_as_it(make_user):
    local_admin = make_user("admin", email="admin@example.com", is_superuser=True)
    user = user_for_claims({"sub": "attacker", "preferred_username": "admin", "email": "admin@example.com"},
                           issuer=ISSUER)
    assert user.pk != local_admin.pk and not user.is_superuser
    assert user.username.startswith("admin-") and user.username != "admin"


def test_the_same_subject_at_another_issuer_is_another_person():
    first = user_for_claims({"sub": "s-1", "preferred_username": "bob"}, issuer=ISSUER)
    second = user_for_claims({"sub": "s-1", "preferred_username": "bob"}, issuer="https://other.example.com")
    assert first.pk != second.pk


def test_untrusted_claim_values_are_cut_or_ignored():
    user = user_for_claims({"sub": "s-2", "preferred_username": "x y/<z>" * 40, "email": ["not", "text"],
                            "given_name": "G" * 500}, issuer=ISSUER)
    assert len(user.username) <= 150 and " " not in user.username and "<" not in user.username
    assert user.email == "" and len(user.first_name) == 150
    assert groups_in({"groups": "one"}, "groups") == {"one"}
    assert groups_in({"groups": ["a", 3, None, "", "b"]}, "groups") == {"a", "b"}
    assert groups_in({"groups": {"a": 1}}, "groups") == set()


def test_groups_give_roles_the_highest_wins_and_they_go_with_the_group(make_user, project, other_project):
    user = make_user("carol")
    GroupMapping.objects.create(group="ml", project=project, role=Role.MEMBER)
    GroupMapping.objects.create(group="ml-leads", project=project, role=Role.ADMIN)
    GroupMapping.objects.create(group="sandbox", project=other_project, role=Role.MEMBER)

    apply_group_roles(user, {"ml", "ml-leads", "sandbox"})
    roles = {m.project.name: (m.role, m.source) for m in Membership.objects.filter(user=user)}
    assert roles == {"vision": (Role.ADMIN, MembershipSource.GROUP), "sandbox": (Role.MEMBER, MembershipSource.GROUP)}

    apply_group_roles(user, {"ml"})
    roles = {m.project.name: m.role for m in Membership.objects.filter(user=user)}
    assert roles == {"vision": Role.MEMBER}

    apply_group_roles(user, set())
    assert not Membership.objects.filter(user=user).exists()


def test_roles_given_by_hand_stay(make_user, project, other_project):
    user = make_user("dave")
    Membership.objects.create(user=user, project=other_project, role=Role.ADMIN)  # by hand
    GroupMapping.objects.create(group="ml", project=project, role=Role.MEMBER)
    apply_group_roles(user, {"ml"})
    membership = Membership.objects.get(user=user, project=project)

    # A project admin changes the group-given role by hand: from then on it is theirs.
    Membership.objects.create(user=make_user("boss"), project=project, role=Role.ADMIN)
    change_role(project, membership.pk, Role.ADMIN)
    apply_group_roles(user, set())
    roles = {m.project.name: (m.role, m.source) for m in Membership.objects.filter(user=user)}
    assert roles == {"sandbox": (Role.ADMIN, MembershipSource.MANUAL), "vision": (Role.ADMIN, MembershipSource.MANUAL)}


@pytest.mark.parametrize("groups", [1, 20])
def test_a_sign_in_costs_the_same_queries_for_1_or_20_groups(make_user, django_assert_max_num_queries, groups):
    for number in range(groups):
        project = Project.objects.create(name=f"p{number}", display_name=f"P{number}")
        GroupMapping.objects.create(group=f"g{number}", project=project, role=Role.MEMBER)
    claims = {"sub": "s-1", "preferred_username": "erin"}
    with django_assert_max_num_queries(14):  # the first: the user, its identity, its memberships
        user = user_for_claims(claims, issuer=ISSUER)
        apply_group_roles(user, {f"g{number}" for number in range(groups)})
    assert Membership.objects.filter(user=user).count() == groups
    with django_assert_max_num_queries(9):
        apply_group_roles(user_for_claims(claims, issuer=ISSUER), set())
    assert not Membership.objects.filter(user=user).exists()
