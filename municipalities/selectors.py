"""Reads over the local-government list and who is covered."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from accounts.selectors import active_members

from .models import LocalGovernment

TOTAL_LOCAL_GOVERNMENTS = 1788


def local_governments_current():
    return LocalGovernment.objects.filter(is_defunct=False).select_related("prefecture")


def coverage_headline() -> dict[str, int | float]:
    """Covered local governments, the total, and the number of members."""
    members = active_members()
    covered = (
        local_governments_current()
        .filter(Exists(members.filter(local_government=OuterRef("pk"))))
        .count()
    )
    total = local_governments_current().count() or TOTAL_LOCAL_GOVERNMENTS
    return {
        "covered": covered,
        "total": total,
        "percent": round(covered * 100 / total, 1) if total else 0.0,
        "members": members.count(),
    }
