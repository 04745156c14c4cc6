"""The member-home panel: a penalty in force (why, until when), the 行動規範 to accept,
and for heads and staff the number of reports waiting in their queue."""

from __future__ import annotations

from django.db.models import Q

from . import selectors
from .models import Case, Penalty


def home(request) -> dict:
    user = request.user
    penalty = (
        selectors.active_penalties().filter(user=user, kind=Penalty.Kind.SILENCE).first()
        if user.is_authenticated
        else None
    )
    waiting = 0
    if selectors.is_moderator_staff(user):
        waiting = Case.objects.filter(decided_at__isnull=True).count()
    else:
        sections = selectors.managed_section_ids(user)
        if sections:
            waiting = (
                Case.objects.filter(Q(section_id__in=sections), decided_at__isnull=True)
                .exclude(kind=Case.Kind.PROFILE)
                .count()
            )
    return {
        "moderation_penalty": penalty,
        "moderation_conduct": selectors.needs_conduct(user),
        "moderation_waiting": waiting,
    }
