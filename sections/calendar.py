"""The series calendar: one VEVENT per part of a series with its RRULE, EXDATE for the
dates that have no meeting (skipped holidays, cancelled meetings, dates that passed
before the series made a meeting), and an override (same UID + RECURRENCE-ID) for every
meeting that differs from the series' defaults (moved, renamed, another place). VTIMEZONE
Asia/Tokyo first. For people who subscribe to the series as a whole in Outlook or Google;
the private feed lists the concrete meetings instead. Never a join link.

`recurring-ical-events` expands this file to exactly the dates the site shows
(tests/sections/test_series_ics.py)."""

from __future__ import annotations

import datetime as dt

import icalendar
from django.conf import settings
from django.utils import timezone

from events.ics import calendar_build, event_component
from events.models import Event

from . import recurrence
from .models import Meeting, MeetingSeries
from .recurrence import Rule


def series_uid(part: MeetingSeries) -> str:
    return f"series-{part.uid}@yokoito"


def _location(format_: str, place: str) -> str:
    if format_ == Event.Format.PLACE and place:
        return place
    return "オンライン（参加リンクは横糸のページに開始前に表示されます）"


def _differs(meeting: Meeting, part: MeetingSeries, day: dt.date) -> bool:
    event = meeting.event
    starts = recurrence.starts_at(day, part.start_time)
    return (
        event.starts_at != starts
        or event.ends_at != starts + dt.timedelta(minutes=part.duration_minutes)
        or event.title != part.title
        or event.description.strip() != part.description.strip()
        or _location(event.format, event.place) != _location(part.format, part.place)
    )


def part_components(
    part: MeetingSeries, meetings: list[Meeting], *, series_url: str, now: dt.datetime
) -> list[icalendar.Event]:
    rule = Rule.of(part)
    dates = recurrence.rule_dates(rule)
    if not dates:
        return []  # a part that a split superseded before it began
    date_set = set(dates)
    by_date = {m.original_date: m for m in meetings if m.original_date in date_set}
    excluded = set(recurrence.skipped_dates(rule, dates))
    for day in dates:
        meeting = by_date.get(day)
        if meeting is not None and meeting.event.is_cancelled:
            excluded.add(day)
        elif meeting is None and recurrence.starts_at(day, part.start_time) <= now:
            excluded.add(day)  # passed before the series made its meeting: never held
    first = recurrence.starts_at(dates[0], part.start_time)
    master = icalendar.Event()
    master.add("uid", series_uid(part))
    master.add("dtstamp", timezone.now())
    master.add("dtstart", first)
    master.add("dtend", first + dt.timedelta(minutes=part.duration_minutes))
    master.add("rrule", icalendar.vRecur(recurrence.ical_recur(rule)))
    for day in sorted(excluded):
        master.add("exdate", recurrence.starts_at(day, part.start_time))
    master.add("summary", part.title)
    master.add("sequence", part.sequence)
    master.add("status", "CONFIRMED")
    master.add("location", _location(part.format, part.place))
    master.add("url", series_url)
    label = recurrence.describe(rule, part.start_time)
    lines = [f"シリーズ「{part.title}」（{label}）"]
    if part.description.strip():
        lines.append(part.description.strip())
    lines.append(f"詳細・申込: {series_url}")
    master.add("description", "\n\n".join(lines))
    components = [master]
    for day, meeting in sorted(by_date.items()):
        if day in excluded or not _differs(meeting, part, day):
            continue
        override = event_component(meeting.event)
        del override["uid"]
        del override["sequence"]
        override.add("uid", series_uid(part))
        override.add("recurrence-id", recurrence.starts_at(day, part.start_time))
        override.add("sequence", max(part.sequence, meeting.event.sequence))
        components.append(override)
    return components


def series_ics(
    parts: list[MeetingSeries],
    by_part: dict[int, list[Meeting]],
    *,
    root: MeetingSeries,
    now: dt.datetime | None = None,
) -> bytes:
    """The whole series (every part of it) as one calendar file."""
    now = now or timezone.now()
    series_url = settings.SITE_URL + root.get_absolute_url()
    components = []
    for part in parts:
        components.extend(
            part_components(part, by_part.get(part.pk, []), series_url=series_url, now=now)
        )
    return calendar_build(components, name=f"{root.title}（{root.section.name}）")
