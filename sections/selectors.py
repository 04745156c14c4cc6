"""Reads for sections, and who may see what."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Case, Count, OuterRef, Prefetch, Q, QuerySet, Subquery, When
from django.http import Http404
from django.utils import timezone

from events.models import Event, Registration

from . import rules
from .models import Department, Invitation, JoinRequest, Meeting, Section, SectionMembership

if TYPE_CHECKING:
    from accounts.models import User

Role = SectionMembership.Role


def _next_meeting(now: datetime) -> QuerySet:
    return Meeting.objects.filter(
        section=OuterRef("pk"),
        event__status=Event.Status.SCHEDULED,
        event__starts_at__gt=now,
    ).order_by("event__starts_at")


def directory(*, type: str = "", q: str = "", now: datetime | None = None) -> list[Department]:
    """Departments with their (non-closed) sections matching the filter, each section
    annotated with its member count and next meeting. Two queries."""
    now = now or timezone.now()
    sections = Section.objects.exclude(status=Section.Status.CLOSED)
    if type in Section.Type.values:
        sections = sections.filter(type=type)
    q = q.strip()
    if q:
        sections = sections.filter(
            Q(name__icontains=q) | Q(description__icontains=q) | Q(department__name__icontains=q)
        )
    next_meeting = _next_meeting(now)
    sections = sections.annotate(
        member_count=Count("memberships", distinct=True),
        next_meeting_at=Subquery(next_meeting.values("event__starts_at")[:1]),
        next_meeting_title=Subquery(next_meeting.values("event__title")[:1]),
    ).order_by("order", "id")
    departments = Department.objects.prefetch_related(
        Prefetch("sections", queryset=sections, to_attr="listed")
    ).order_by("order", "id")
    return [d for d in departments if d.listed]


def section_ids_of(user: User) -> set[int]:
    return set(SectionMembership.objects.filter(user=user).values_list("section_id", flat=True))


def section_get(*, slug: str) -> Section:
    section = Section.objects.select_related("department").filter(slug=slug).first()
    if section is None:
        raise Http404("課が見つかりません。")
    return section


def membership_of(*, section: Section, user: User) -> SectionMembership | None:
    return SectionMembership.objects.filter(section=section, user=user).first()


def membership_get(*, section: Section, user_id: int) -> SectionMembership:
    """Someone's membership of this section; 404 for a tampered or overflowing id.

    Filtered by `user__pk`, not `user_id`: Django turns an integer too large for the
    column into "no rows" only for the primary-key lookup (the foreign-key column
    passed it to the database, which raised)."""
    membership = (
        SectionMembership.objects.select_related("user")
        .filter(section=section, user__pk=user_id)
        .first()
    )
    if membership is None:
        raise Http404("その課員は見つかりません。")
    return membership


def can_see_members(*, section: Section, membership: SectionMembership | None, user: User) -> bool:
    """The member list is for the section's own members (and staff)."""
    return user.is_staff or membership is not None


def can_manage(*, membership: SectionMembership | None, user: User) -> bool:
    return rules.is_manager(user=user, membership=membership)


def heads(*, section: Section) -> list[SectionMembership]:
    return list(
        SectionMembership.objects.filter(section=section, role__in=rules.MANAGER_ROLES)
        .select_related("user", "user__local_government__prefecture")
        # 課長 before 課長補佐 (the role codes sort the other way round).
        .order_by(Case(When(role=Role.HEAD, then=0), default=1), "joined_at")
    )


def members(*, section: Section) -> QuerySet[SectionMembership]:
    return (
        SectionMembership.objects.filter(section=section)
        .select_related("user", "user__local_government__prefecture")
        .order_by("role", "joined_at", "id")
    )


def member_count(*, section: Section) -> int:
    return SectionMembership.objects.filter(section=section).count()


def _meetings(section: Section) -> QuerySet[Meeting]:
    """The section's single meetings: a series' meetings are on its own page, and the
    section page shows each series as one line (series_selectors.section_series_lines)."""
    return (
        Meeting.objects.filter(section=section, series__isnull=True)
        .select_related("event", "section")
        .annotate(
            going_count=Count(
                "event__registrations",
                filter=Q(event__registrations__status=Registration.Status.GOING),
            )
        )
    )


def meetings_upcoming(*, section: Section, now: datetime | None = None) -> list[Meeting]:
    now = now or timezone.now()
    return list(_meetings(section).filter(event__ends_at__gt=now).order_by("event__starts_at")[:20])


def meetings_past(*, section: Section, now: datetime | None = None) -> list[Meeting]:
    now = now or timezone.now()
    return list(
        _meetings(section).filter(event__ends_at__lte=now).order_by("-event__starts_at")[:20]
    )


def pending_requests(*, section: Section) -> list[JoinRequest]:
    return list(
        JoinRequest.objects.filter(section=section, status=JoinRequest.Status.PENDING)
        .select_related("user", "user__local_government__prefecture")
        .order_by("created_at")
    )


def pending_request_of(*, section: Section, user: User) -> JoinRequest | None:
    return JoinRequest.objects.filter(
        section=section, user=user, status=JoinRequest.Status.PENDING
    ).first()


def pending_invitation_of(*, section: Section, user: User) -> Invitation | None:
    return Invitation.objects.filter(
        section=section, user=user, status=Invitation.Status.PENDING
    ).first()


def meeting_get(*, slug: str, meeting_id: int) -> Meeting:
    """A meeting of this section; 404 for a tampered id or slug. Every member may see a
    meeting exists (sections are visible to all); registering is checked by the owner
    policy (sections.owner)."""
    meeting = (
        Meeting.objects.select_related(
            "event", "section", "section__department", "created_by", "series"
        )
        .filter(pk=meeting_id, section__slug=slug)
        .first()
    )
    if meeting is None:
        raise Http404("情報交換会が見つかりません。")
    return meeting


def members_filter_by_section(queryset: QuerySet, value: str) -> QuerySet:
    """The member directory's 課 filter: members of a section whose name contains the
    value (or whose slug is it)."""
    return queryset.filter(
        pk__in=SectionMembership.objects.filter(
            Q(section__name__icontains=value) | Q(section__slug=value)
        ).values("user")
    )


def section_names_of(user: User) -> list[str]:
    """The names of the sections a member belongs to (their profile shows them)."""
    return list(
        SectionMembership.objects.filter(user=user)
        .order_by("section__name")
        .values_list("section__name", flat=True)
    )


def my_sections(*, user: User) -> list[SectionMembership]:
    return list(
        SectionMembership.objects.filter(user=user)
        .select_related("section", "section__department")
        .order_by("section__department__order", "section__order")
    )


def sections_with_pending_requests(*, user: User) -> list[Section]:
    """The sections `user` heads or deputises with join requests waiting, each with
    `pending_count`, most waiting first (the head's home panel; one query)."""
    return list(
        Section.objects.filter(memberships__user=user, memberships__role__in=rules.MANAGER_ROLES)
        .annotate(
            pending_count=Count(
                "join_requests",
                filter=Q(join_requests__status=JoinRequest.Status.PENDING),
                distinct=True,
            )
        )
        .filter(pending_count__gt=0)
        .order_by("-pending_count", "name")
    )
