"""Reads for sections, and who may see what."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import (
    Case,
    Count,
    F,
    Prefetch,
    Q,
    QuerySet,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone

from events.models import Event
from events.selectors import going_count

from . import registry, rules
from .models import Department, Invitation, JoinRequest, Meeting, Section, SectionMembership

if TYPE_CHECKING:
    from accounts.models import User

Role = SectionMembership.Role


def directory(*, type: str = "", q: str = "", now: datetime | None = None) -> list[Department]:
    """Departments with their (non-closed) sections matching the filter, each section with
    its member count (the kept `Section.member_count`, see sections/counts.py) and next
    meeting (`next_meeting_at`, `next_meeting_title`). Three queries, none of which reads
    the memberships."""
    now = now or timezone.now()
    sections = Section.objects.exclude(status=Section.Status.CLOSED)
    if type in Section.Type.values:
        sections = sections.filter(type=type)
    q = q.strip()
    if q:
        sections = sections.filter(
            Q(name__icontains=q) | Q(description__icontains=q) | Q(department__name__icontains=q)
        )
    departments = list(
        Department.objects.prefetch_related(
            Prefetch("sections", queryset=sections.order_by("order", "id"), to_attr="listed")
        ).order_by("order", "id")
    )
    listed = [s for d in departments for s in d.listed]
    nexts = next_meetings(section_ids=[s.pk for s in listed], now=now) if listed else {}
    for section in listed:
        section.next_meeting_at, section.next_meeting_title = nexts.get(section.pk, (None, ""))  # type: ignore[attr-defined]  # set for the template
    return [d for d in departments if d.listed]


def next_meetings(*, section_ids: list[int], now: datetime) -> dict[int, tuple[datetime, str]]:
    """{section id: (start, title)} of each section's next scheduled meeting, in one query:
    the upcoming meetings ranked per section by a window function (a correlated subquery
    per section cost 1 ms each at 2,000 meetings)."""
    rows = (
        Meeting.objects.filter(
            section_id__in=section_ids,
            event__status=Event.Status.SCHEDULED,
            event__starts_at__gt=now,
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("section_id")],
                order_by=[F("event__starts_at").asc(), F("pk").asc()],
            )
        )
        .filter(rank=1)
        .values_list("section_id", "event__starts_at", "event__title")
    )
    return {section_id: (starts_at, title) for section_id, starts_at, title in rows}


def section_ids_of(user: User) -> set[int]:
    return set(SectionMembership.objects.filter(user=user).values_list("section_id", flat=True))


def section_get(*, slug: str) -> Section:
    section = (
        Section.objects.select_related("department", *registry.section_related())
        .filter(slug=slug)
        .first()
    )
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


def membership_and_heads(
    *, section: Section, user
) -> tuple[SectionMembership | None, list[SectionMembership]]:
    """The viewer's membership of this section (or None) and its heads and deputies (課長
    first), in one query: the section page needs both."""
    rows = list(
        SectionMembership.objects.filter(section=section)
        .filter(Q(role__in=rules.MANAGER_ROLES) | Q(user__pk=getattr(user, "pk", None)))
        .select_related("user", "user__local_government__prefecture")
        .order_by(Case(When(role=Role.HEAD, then=0), default=1), "joined_at", "id")
    )
    mine = next((m for m in rows if m.user_id == getattr(user, "pk", None)), None)
    return mine, [m for m in rows if m.role in rules.MANAGER_ROLES]


def members(*, section: Section) -> QuerySet[SectionMembership]:
    return (
        SectionMembership.objects.filter(section=section)
        .select_related("user", "user__local_government__prefecture")
        .order_by("role", "joined_at", "id")
    )


def member_count(*, section: Section) -> int:
    """The kept count (sections/counts.py): no query."""
    return section.member_count


def _meetings(section: Section) -> QuerySet[Meeting]:
    """The section's single meetings: a series' meetings are on its own page, and the
    section page shows each series as one line (series_selectors.section_series_lines)."""
    return Meeting.objects.filter(section=section, series__isnull=True)


LISTED_MEETINGS = 20


def meetings_listed(
    *, section: Section, now: datetime | None = None
) -> tuple[list[Meeting], list[Meeting]]:
    """(the next 20 meetings, the last 20), each with `going_count`, in one query."""
    now = now or timezone.now()
    upcoming_ids = (
        _meetings(section).filter(event__ends_at__gt=now).order_by("event__starts_at", "pk")
    )
    past_ids = (
        _meetings(section).filter(event__ends_at__lte=now).order_by("-event__starts_at", "-pk")
    )
    rows = list(
        # The section filter again, so the planner expects a few dozen rows, not thousands.
        _meetings(section)
        .filter(
            Q(pk__in=upcoming_ids.values("pk")[:LISTED_MEETINGS])
            | Q(pk__in=past_ids.values("pk")[:LISTED_MEETINGS])
        )
        .select_related("event", "section")
        .annotate(going_count=going_count())
        .order_by("event__starts_at", "pk")
    )
    upcoming = [m for m in rows if m.event.ends_at > now]
    past = [m for m in reversed(rows) if m.event.ends_at <= now]
    return upcoming, past  # type: ignore[return-value]  # annotated rows are Meetings


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
