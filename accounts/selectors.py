"""Reads over accounts: who counts as a member, and what a user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import User


def active_members() -> QuerySet[User]:
    """Approved, active members: the people who count for coverage and the directory."""
    return User.objects.filter(status=User.Status.APPROVED, is_active=True)
