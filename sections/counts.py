"""Section.member_count: kept by the services that add or remove memberships (issue 18).

The directory lists every section with its number of members, and a section's page
shows it: counting 40,000 memberships on every request was the directory's main cost.
The column is *recounted* (one indexed COUNT of that section's memberships), not
incremented, by every service that changes memberships, in the service's transaction and
after it has locked the section row (so two joins cannot interleave their counts). A
recount cannot drift: whatever wrote memberships without a service (a bulk seeder, a
test's factory) is put right by the next service call, or by `recount_members()` with no
ids, which the seeders call after their `bulk_create`. No signal is involved.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from .models import Section, SectionMembership


def recount_members(section_ids: Iterable[int] | None = None) -> None:
    """Set member_count from the memberships, for these sections (all when None). One
    UPDATE; call it inside the transaction that changed the memberships."""
    counted = (
        SectionMembership.objects.filter(section=OuterRef("pk"))
        .order_by()
        .values("section")
        .annotate(n=Count("pk"))
        .values("n")
    )
    sections = Section.objects.all()
    if section_ids is not None:
        ids = sorted(set(section_ids))
        if not ids:
            return
        sections = sections.filter(pk__in=ids)
    sections.update(member_count=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0)))


def keeps_member_count(
    func: Callable[..., Any] | None = None, *, section_of: Callable[..., int] | None = None
):
    """Decorate a membership service (under its `@transaction.atomic`): once it has
    returned, the section's member_count is recounted in the same transaction. The
    section is the service's `section_id` argument, or what `section_of(result, **kwargs)`
    gives (e.g. the section of the join request the service returns).
    When the service raises, nothing is recounted (its transaction rolls back)."""

    def decorate(service: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(service)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = service(*args, **kwargs)
            section_id = section_of(result, **kwargs) if section_of else kwargs["section_id"]
            recount_members([section_id])
            return result

        return wrapper

    return decorate(func) if func is not None else decorate
