"""Project membership changes; a project always keeps at least one admin."""

from django.db import transaction

from projects.models import Membership, Project, Role


class LastAdminError(Exception):
    pass


def _lock(project) -> None:
    # Serialises membership changes of one project (NO KEY: membership inserts still go through).
    Project.objects.select_for_update(no_key=True).filter(pk=project.pk).first()


def _refuse_if_last_admin(project, membership, verb: str) -> None:
    if membership.role != Role.ADMIN:
        return
    admins = Membership.objects.filter(project=project, role=Role.ADMIN).exclude(pk=membership.pk)
    if not admins.exists():
        raise LastAdminError(
            f"Cannot {verb} {membership.user.get_username()}: they are the last admin of {project}. "
            "Make someone else an admin first."
        )


def add_member(project, user, role) -> Membership:
    with transaction.atomic():
        _lock(project)
        membership, _ = Membership.objects.get_or_create(project=project, user=user, defaults={"role": role})
    return membership


def change_role(project, membership_id: int, role: str) -> Membership:
    with transaction.atomic():
        _lock(project)
        membership = Membership.objects.select_related("user").get(project=project, pk=membership_id)
        if role != Role.ADMIN:
            _refuse_if_last_admin(project, membership, "demote")
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def remove_member(project, membership_id: int) -> Membership:
    with transaction.atomic():
        _lock(project)
        membership = Membership.objects.select_related("user").get(project=project, pk=membership_id)
        _refuse_if_last_admin(project, membership, "remove")
        membership.delete()
    return membership
