"""Reads over accounts: who counts as a member, and what a user may see."""

from __future__ import annotations

from django.apps import apps
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


def _section_membership_model():
    """The sections app's membership model, when it exists (the directory filters by it)."""
    try:
        return apps.get_model("sections", "SectionMembership")
    except LookupError:
        return None


def directory_search(
    *,
    q: str = "",
    prefecture: str = "",
    local_government: str = "",
    job_type: str = "",
    section: str = "",
) -> QuerySet[User]:
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
    if section:
        membership = _section_membership_model()
        if membership is not None:
            qs = qs.filter(
                pk__in=membership.objects.filter(
                    Q(section__name__icontains=section) | Q(section__slug=section)
                ).values("user")
            )
    return qs.order_by("full_name_kana", "pk")


def _kana(text: str) -> str:
    from .forms import to_katakana

    return to_katakana(text)


def member_profile(*, pk: int) -> User:
    """A member's public-to-members profile; anyone not an active member is a 404."""
    return get_object_or_404(active_members().select_related("local_government__prefecture"), pk=pk)


def member_sections(user: User) -> list:
    membership = _section_membership_model()
    if membership is None:
        return []
    return [
        m.section
        for m in membership.objects.filter(user=user)
        .select_related("section")
        .order_by("section__name")
    ]
