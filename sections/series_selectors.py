"""Reads for meeting series: the section page's one line per series, the series page, and
the series calendar's data. Every member may see a series (as its meetings)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from events.models import Event, Registration
from events.selectors import going_count

from . import recurrence, registry
from .models import Meeting, MeetingSeries, Section, SeriesSubscription
from .recurrence import Rule

if TYPE_CHECKING:
    from accounts.models import User

R = Registration.Status


def series_get(*, slug: str, series_id: int) -> MeetingSeries:
    """The root of the series (any part's id leads to it); 404 for a tampered id or a
    series of another section."""
    part = (
        MeetingSeries.objects.select_related("section", "section__department")
        .filter(pk=series_id, section__slug=slug)
        .first()
    )
    if part is None:
        raise Http404("シリーズが見つかりません。")
    if part.root_id is None:
        return part
    return MeetingSeries.objects.select_related("section", "section__department").get(
        pk=part.root_id
    )


def series_parts(*, root: MeetingSeries) -> list[MeetingSeries]:
    return list(
        MeetingSeries.objects.filter(Q(pk=root.pk) | Q(root_id=root.pk)).order_by("starts_on", "pk")
    )


def series_meeting_get(*, root: MeetingSeries, meeting_id: int) -> Meeting:
    """A meeting of this series (404 for a tampered id or another series' meeting)."""
    meeting = (
        Meeting.objects.select_related("event", "series", "section")
        .filter(pk=meeting_id, series__in=series_parts(root=root))
        .first()
    )
    if meeting is None:
        raise Http404("このシリーズの回が見つかりません。")
    return meeting


def meeting_series_label(meeting: Meeting) -> str:
    """「毎週土曜 21:00〜」 for a meeting of a series (its series is selected), else ""."""
    return _label(meeting.series) if meeting.series is not None else ""


def _label(part: MeetingSeries) -> str:
    return recurrence.describe(Rule.of(part), part.start_time)


def _last_date(part: MeetingSeries) -> dt.date | None:
    return recurrence.last_rule_date(Rule.of(part))


def current_part(parts: list[MeetingSeries], now: dt.datetime | None = None) -> MeetingSeries:
    """The part that gives the next dates: the first still running, else the last with
    dates, else the root."""
    today = timezone.localdate(now or timezone.now())
    with_dates = [p for p in parts if _last_date(p) is not None]
    for part in with_dates:
        last = _last_date(part)
        if last is not None and last >= today:
            return part
    return with_dates[-1] if with_dates else parts[0]


@dataclass
class SeriesLine:
    """One line of the section page: 「毎週土曜 21:00〜」, the next date, joined or not."""

    root: MeetingSeries
    part: MeetingSeries
    label: str
    next_at: dt.datetime | None
    next_meeting_id: int | None
    running: bool
    joined: bool
    ends_on: dt.date | None = None


def section_series_lines(
    *, section: Section, user: User, now: dt.datetime | None = None
) -> list[SeriesLine]:
    """The section's series, one line each (running first, by next date). One query
    whatever the number of series: the parts with their next meeting and whether the
    member joined (a join always points at the root, which is one of the parts)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    upcoming = Meeting.objects.filter(
        series=OuterRef("pk"), event__status=Event.Status.SCHEDULED, event__starts_at__gt=now
    ).order_by("event__starts_at")
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    parts = list(
        MeetingSeries.objects.filter(section=section)
        .annotate(
            next_at=Subquery(upcoming.values("event__starts_at")[:1]),
            next_meeting_id=Subquery(upcoming.values("pk")[:1]),
            joined=Exists(
                SeriesSubscription.objects.filter(series=OuterRef("pk"), user_id=user_id)  # type: ignore[misc]  # None for anonymous: matches nothing
            ),
        )
        .order_by("starts_on", "pk")
    )
    joined = {part.pk for part in parts if part.joined}
    chains: dict[int, list[MeetingSeries]] = {}
    for part in parts:
        chains.setdefault(part.root_id or part.pk, []).append(part)
    lines = []
    for root_id, chain in chains.items():
        root = next(p for p in chain if p.pk == root_id)
        root.section = section
        part = current_part(chain, now)  # type: ignore[assignment]  # annotated rows
        nexts = [(p.next_at, p.next_meeting_id) for p in chain if p.next_at is not None]  # type: ignore[attr-defined]  # annotated in series_parts
        next_at, next_id = min(nexts) if nexts else (None, None)
        lasts = [d for d in (_last_date(p) for p in chain) if d is not None]
        ends = max(lasts) if lasts else None
        lines.append(
            SeriesLine(
                root=root,
                part=part,
                label=_label(part),
                next_at=next_at,
                next_meeting_id=next_id,
                running=next_at is not None or (ends is not None and ends >= today),
                joined=root_id in joined,
                ends_on=ends,
            )
        )
    far = timezone.now() + dt.timedelta(days=3650)
    lines.sort(key=lambda line: (not line.running, line.next_at or far, line.root.pk))
    return lines


@dataclass
class Entry:
    """A row of the series page: a meeting, or a date that is 休み (a skipped holiday)."""

    day: dt.date
    meeting: Meeting | None = None
    holiday: str = ""
    my_status: str = ""
    extra_links: list = field(default_factory=list)


def _meetings(parts: list[MeetingSeries], user) -> QuerySet[Meeting]:
    """The parts' meetings with `going_count` and the member's own answer (`my_answer`),
    both correlated on the registrations' indexes: one query."""
    mine = Registration.objects.filter(  # type: ignore[misc]  # None for anonymous: matches nothing
        event=OuterRef("event_id"), user_id=user.pk if user.is_authenticated else None
    )
    return (
        Meeting.objects.filter(series__in=parts)
        .select_related("event", "section", "series")
        .annotate(going_count=going_count(), my_answer=Subquery(mine.values("status")[:1]))
    )


def series_page(
    *, root: MeetingSeries, user: User, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Everything the series page shows: the rule of each part, the upcoming meetings
    (with the skipped holidays as 休み), the past meetings with their notes links, and the
    member's own answers. A fixed number of queries whatever the number of meetings."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    user_id = user.pk if user.is_authenticated else None
    parts = list(
        MeetingSeries.objects.filter(Q(pk=root.pk) | Q(root_id=root.pk))
        .annotate(
            joined=Exists(SeriesSubscription.objects.filter(series=OuterRef("pk"), user_id=user_id))
        )
        .order_by("starts_on", "pk")
    )
    part = current_part(parts, now)  # type: ignore[arg-type]  # annotated rows are MeetingSeries
    meetings = list(_meetings(parts, user).order_by("event__starts_at", "pk"))  # type: ignore[arg-type]  # annotated rows are MeetingSeries
    statuses = {m.event_id: m.my_answer for m in meetings if m.my_answer}  # type: ignore[attr-defined]  # annotated by _meetings
    labels = dict(R.choices)
    upcoming: list[Entry] = []
    past: list[Entry] = []
    for meeting in meetings:
        local_day = timezone.localtime(meeting.event.starts_at).date()
        entry = Entry(
            day=local_day,
            meeting=meeting,
            my_status=labels.get(statuses.get(meeting.event_id, ""), ""),
        )
        (upcoming if meeting.event.ends_at > now else past).append(entry)
    horizon = today + dt.timedelta(weeks=settings.SECTIONS_SERIES_HORIZON_WEEKS)
    for other in parts:
        rule = Rule.of(other)
        for day in recurrence.skipped_dates(rule):
            if today <= day <= horizon:
                upcoming.append(Entry(day=day, holiday=recurrence.holiday_name(day) or "祝日"))
    upcoming.sort(key=lambda e: (e.day, e.meeting.event.starts_at if e.meeting else now))
    past.reverse()
    registry.annotate_meetings(user, [e.meeting for e in past + upcoming if e.meeting])
    for entry in past + upcoming:
        if entry.meeting is not None:
            entry.extra_links = entry.meeting.extra_links  # type: ignore[attr-defined]  # set by the registry
    later = [
        day for other in parts for day in recurrence.meeting_dates(Rule.of(other)) if day > horizon
    ]
    return {
        "root": root,
        "parts": [
            {"part": p, "label": _label(p), "starts_on": p.starts_on, "last": _last_date(p)}
            for p in parts
            if _last_date(p) is not None
        ],
        "part": part,
        "label": _label(part),
        "upcoming": upcoming,
        "past": past,
        "later_count": len(later),
        "later_first": min(later) if later else None,
        "horizon_weeks": settings.SECTIONS_SERIES_HORIZON_WEEKS,
        "joined": any(p.joined for p in parts if p.pk == root.pk),
        "next_meeting": next(
            (e.meeting for e in upcoming if e.meeting and not e.meeting.event.is_cancelled),
            None,
        ),
    }


def series_calendar_data(
    *, root: MeetingSeries
) -> tuple[list[MeetingSeries], dict[int, list[Meeting]]]:
    """The parts and their meetings, for the series .ics (two queries)."""
    parts = series_parts(root=root)
    by_part: dict[int, list[Meeting]] = {p.pk: [] for p in parts}
    for meeting in (
        Meeting.objects.filter(series__in=parts)
        .select_related("event", "section", "series")
        .order_by("event__starts_at")
    ):
        by_part[meeting.series_id].append(meeting)  # type: ignore[index]
    return parts, by_part
