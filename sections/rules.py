"""Who may do what in a section: the one home of the role rules.

Services enforce them, selectors and views ask them for what to show. Staff count as
heads everywhere."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .models import SectionMembership

if TYPE_CHECKING:
    from accounts.models import User

Role = SectionMembership.Role
# 課長 and 課長補佐 manage a section (requests, invitations, meetings, members).
MANAGER_ROLES = (Role.HEAD, Role.DEPUTY)


def is_manager(*, user: User, membership: SectionMembership | None) -> bool:
    """A head or deputy of the section, or staff."""
    return user.is_staff or (membership is not None and membership.role in MANAGER_ROLES)


def is_head(*, user: User, membership: SectionMembership | None) -> bool:
    """The 課長 of the section, or staff (appointing deputies, 課長交代, removing deputies)."""
    return user.is_staff or (membership is not None and membership.role == Role.HEAD)


def is_last_head(membership: SectionMembership) -> bool:
    """True when this membership is its section's only 課長: it may not leave or lose the
    role until someone else is head (the caller holds the section lock)."""
    if membership.role != Role.HEAD:
        return False
    return not (
        SectionMembership.objects.filter(section_id=membership.section_id, role=Role.HEAD)
        .exclude(pk=membership.pk)
        .exists()
    )
