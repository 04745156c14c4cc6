"""The member-home panel: a penalty in force (why, until when), the 行動規範 to accept,
and for heads and staff the number of reports waiting in their queue."""

from __future__ import annotations

from . import selectors
from .models import Case


def home(request) -> dict:
    user = request.user
    # Loaded with request.user (no query unless the member is stopped).
    penalty = selectors.active_silence(user) if user.is_authenticated else None
    waiting = 0
    if selectors.is_moderator_staff(user):
        waiting = Case.objects.filter(decided_at__isnull=True).count()
    elif user.is_authenticated and user.is_member:
        # One query whether or not the member heads a section: the sections they manage
        # are a subquery of the count.
        waiting = (
            Case.objects.filter(
                section_id__in=selectors.managed_sections(user), decided_at__isnull=True
            )
            .exclude(kind=Case.Kind.PROFILE)
            .count()
        )
    return {
        "moderation_penalty": penalty,
        "moderation_conduct": selectors.needs_conduct(user),
        "moderation_waiting": waiting,
    }
