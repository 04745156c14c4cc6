"""Reads over accounts: who counts as a member, and what a user may see."""

from __future__ import annotations

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.shortcuts import get_object_or_404

from core import plugins
from municipalities.models import LocalGovernment

from .models import AffiliationRecord, AffiliationType, StatusChange, User


def active_members() -> QuerySet[User]:
    """Approved, active members: the people of the directory and of coverage."""
    return User.objects.filter(status=User.Status.APPROVED, is_active=True)


def members_per_local_government() -> list[tuple[int | None, int]]:
    """Who counts for the public coverage page, in one grouped query: (local government
    id, number of members) pairs, with None for members counted for no local government
    (府省庁, other bodies). `municipalities.coverage` receives this function (registered
    in `accounts.apps`); it is the only way coverage reads the members.

    - Approved, active members count (`active_members()`); staff accounts do not (they
      run the site, whatever their status).
    - A member counts for their current local government, except while a change of
      affiliation waits for staff review (`affiliation_review_pending`): until staff
      verify it, the last verified affiliation (`AffiliationRecord.verified_at`) counts.
    """
    last_verified = AffiliationRecord.objects.filter(
        user=OuterRef("pk"), verified_at__isnull=False
    ).order_by("-verified_at", "-pk")
    counted_for = Case(
        When(
            affiliation_review_pending=True,
            then=Subquery(last_verified.values("local_government_id")[:1]),
        ),
        When(
            affiliation_type=AffiliationType.LOCAL_GOVERNMENT,
            then=F("local_government_id"),
        ),
        default=Value(None),
        output_field=BigIntegerField(),
    )
    groups = (
        active_members()
        .filter(is_staff=False)
        .annotate(counted_for=counted_for)
        .values("counted_for")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [(group["counted_for"], group["n"]) for group in groups]


def status_history(user: User) -> QuerySet[StatusChange]:
    return user.status_changes.select_related("actor").order_by("created_at", "id")


def local_government_options(*, prefecture: str = "", q: str = "") -> QuerySet[LocalGovernment]:
    """Choices for the affiliation picker: a prefecture's local governments (the prefecture
    itself first) or a name/kana search across the country."""
    from .forms import to_katakana

    qs = LocalGovernment.objects.filter(is_defunct=False).select_related("prefecture")
    q = (q or "").strip()
    if q:
        kana = to_katakana(q)
        qs = qs.filter(Q(name__contains=q) | Q(name_kana__contains=kana))
    if prefecture:
        qs = qs.filter(prefecture_id=prefecture)
    return qs.order_by("prefecture_id", "code")


def directory_search(
    *,
    q: str = "",
    prefecture: str = "",
    local_government: str = "",
    job_type: str = "",
    extra: dict[str, str] | None = None,
) -> QuerySet[User]:
    """Active members matching the search; `extra` holds the values of the filters other
    apps registered (`core.plugins.MemberFilter`, e.g. sections' 課)."""
    qs = active_members().select_related("local_government__prefecture")
    if q:
        kana = _kana(q)
        qs = qs.filter(
            Q(full_name__icontains=q)
            | Q(full_name_kana__contains=kana)
            | Q(department__icontains=q)
            | Q(position__icontains=q)
            | Q(other_body__icontains=q)
            | Q(ministry__icontains=q)
        )
    if prefecture:
        qs = qs.filter(local_government__prefecture_id=prefecture)
    if local_government:
        kana = _kana(local_government)
        qs = qs.filter(
            Q(local_government__name__contains=local_government)
            | Q(local_government__name_kana__contains=kana)
        )
    if job_type:
        qs = qs.filter(job_type=job_type)
    for member_filter in plugins.member_filters():
        value = (extra or {}).get(member_filter.name, "")
        if value:
            qs = member_filter.apply(qs, value)
    return qs.order_by("full_name_kana", "pk")


def _kana(text: str) -> str:
    from .forms import to_katakana

    return to_katakana(text)


def member_profile(*, pk: int) -> User:
    """A member's public-to-members profile; anyone not an active member is a 404."""
    return get_object_or_404(active_members().select_related("local_government__prefecture"), pk=pk)


def profile_facts(person: User) -> list[tuple[str, list[str]]]:
    """(label, values) lines other apps add to a profile (`core.plugins.ProfileFact`)."""
    return [(fact.label, fact.values(person)) for fact in plugins.profile_facts()]
