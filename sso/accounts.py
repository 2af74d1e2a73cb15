"""The user a verified set of claims signs in as, and the project roles their groups give.

Claims come from the provider: their values are untrusted text, cut to what the columns hold.
"""

import hashlib
import re

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from projects.models import Membership, MembershipSource, Role
from sso.models import GroupMapping, Identity

USERNAME_LENGTH = 150
NAME_LENGTH = 150
EMAIL_LENGTH = 254
# Groups one sign-in may carry (a provider that sends more is cut, not obeyed unbounded).
MAX_GROUPS = 500
GROUP_LENGTH = 255
_NOT_IN_USERNAME = re.compile(r"[^\w.@+-]")
_RANK = {Role.MEMBER: 1, Role.ADMIN: 2}


def _text(claims: dict, name: str, length: int) -> str:
    value = claims.get(name)
    return value.strip()[:length] if isinstance(value, str) else ""


def _free_username(claims: dict, issuer: str, subject: str) -> str:
    """The provider's preferred username when nobody here has it; otherwise (a local account,
    perhaps a break-glass admin, may hold the same name) it with a suffix from the subject."""
    User = get_user_model()
    wanted = _NOT_IN_USERNAME.sub("", _text(claims, "preferred_username", USERNAME_LENGTH)) or "sso-user"
    if not User.objects.filter(username=wanted).exists():
        return wanted
    suffix = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:8]
    return f"{wanted[: USERNAME_LENGTH - 9]}-{suffix}"


def user_for_claims(claims: dict, *, issuer: str):
    """The user of this issuer's subject, created at their first sign-in, with their name and
    e-mail as the provider now has them."""
    try:
        return _user_for_claims(claims, issuer=issuer)
    except IntegrityError:
        # Two first sign-ins of one person at once (two tabs): the other one made the user.
        return _user_for_claims(claims, issuer=issuer)


def _user_for_claims(claims: dict, *, issuer: str):
    subject = claims["sub"]
    User = get_user_model()
    with transaction.atomic():
        identity = Identity.objects.select_for_update().select_related("user").filter(
            issuer=issuer, subject=subject
        ).first()
        if identity is None:
            user = User(username=_free_username(claims, issuer, subject))
            user.set_unusable_password()
            user.save()
            identity = Identity.objects.create(user=user, issuer=issuer, subject=subject)
        user = identity.user
        user.email = _text(claims, "email", EMAIL_LENGTH)
        user.first_name = _text(claims, "given_name", NAME_LENGTH)
        user.last_name = _text(claims, "family_name", NAME_LENGTH)
        user.save(update_fields=["email", "first_name", "last_name"])
        identity.last_sign_in_at = timezone.now()
        identity.save(update_fields=["last_sign_in_at"])
    return user


def groups_in(claims: dict, claim: str) -> set[str]:
    """The group names of the claim: a list of strings (Keycloak, Dex) or one string."""
    value = claims.get(claim)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return set()
    return {group[:GROUP_LENGTH] for group in value[:MAX_GROUPS] if isinstance(group, str) and group}


def apply_group_roles(user, groups: set[str]) -> None:
    """Make the user's group-given memberships what the mappings of `groups` say, now.

    The highest role any of their groups gives wins. A membership given by hand is left as it
    is; a group-given one whose group went is removed."""
    wanted: dict[int, str] = {}
    for project_id, role in GroupMapping.objects.filter(group__in=groups).values_list("project_id", "role"):
        if _RANK[role] > _RANK.get(wanted.get(project_id), 0):
            wanted[project_id] = role
    with transaction.atomic():
        current = {m.project_id: m for m in Membership.objects.select_for_update().filter(user=user)}
        gone = [m.pk for project_id, m in current.items() if m.source == MembershipSource.GROUP and project_id not in wanted]
        if gone:
            Membership.objects.filter(pk__in=gone).delete()
        Membership.objects.bulk_create([
            Membership(user=user, project_id=project_id, role=role, source=MembershipSource.GROUP)
            for project_id, role in wanted.items() if project_id not in current
        ])
        changed: dict[str, list[int]] = {}
        for project_id, role in wanted.items():
            membership = current.get(project_id)
            if membership is not None and membership.source == MembershipSource.GROUP and membership.role != role:
                changed.setdefault(role, []).append(membership.pk)
        for role, pks in changed.items():
            Membership.objects.filter(pk__in=pks).update(role=role)
