"""Project membership changes; a project always keeps at least one admin.

Every change locks the project first, so two admins acting at once are served one after the
other, and each is told what was actually stored.
"""

from django.db import transaction

from projects.models import Membership, MembershipSource, Project, Role


class LastAdminError(Exception):
    pass


class NotAMember(Exception):
    """The membership is not (or no longer) one of the project's."""

    def __init__(self):
        super().__init__("That person is not a member of this project.")


def _lock(project) -> None:
    # Serialises membership changes of one project (NO KEY: membership inserts still go through).
    Project.objects.select_for_update(no_key=True).filter(pk=project.pk).first()


def _locked_membership(project, membership_id: int) -> Membership:
    try:
        return Membership.objects.select_related("user").get(project=project, pk=membership_id)
    except Membership.DoesNotExist:
        raise NotAMember() from None


def _refuse_if_last_admin(project, membership, verb: str) -> None:
    if membership.role != Role.ADMIN:
        return
    admins = Membership.objects.filter(project=project, role=Role.ADMIN).exclude(pk=membership.pk)
    if not admins.exists():
        raise LastAdminError(
            f"Cannot {verb} {membership.user.get_username()}: they are the last admin of {project}. "
            "Make someone else an admin first."
        )


def add_member(project, user, role) -> tuple[Membership, bool]:
    """The user's membership and whether this call created it; an existing one keeps its role."""
    with transaction.atomic():
        _lock(project)
        return Membership.objects.get_or_create(project=project, user=user, defaults={"role": role})


def change_role(project, membership_id: int, role: str) -> tuple[Membership, bool]:
    """The membership with `role`, and whether this call changed it. Raises NotAMember, LastAdminError."""
    with transaction.atomic():
        _lock(project)
        membership = _locked_membership(project, membership_id)
        if membership.role == role:
            return membership, False
        if role != Role.ADMIN:
            _refuse_if_last_admin(project, membership, "demote")
        membership.role = role
        # A role a person chose is theirs to keep: the next sign-in's group mapping leaves it.
        membership.source = MembershipSource.MANUAL
        membership.save(update_fields=["role", "source"])
    return membership, True


def remove_member(project, membership_id: int) -> Membership:
    """The removed membership. Raises NotAMember (already removed), LastAdminError."""
    with transaction.atomic():
        _lock(project)
        membership = _locked_membership(project, membership_id)
        _refuse_if_last_admin(project, membership, "remove")
        membership.delete()
    return membership
