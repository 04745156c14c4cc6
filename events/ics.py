"""iCalendar files: one event, or a member's private feed. Never a join link."""

from __future__ import annotations

from collections.abc import Iterable

import icalendar
from django.conf import settings
from django.utils import timezone

from core.jst import JST

from .models import Event
from .registry import owner_for

PRODID = "-//Yokoito//横糸//JA"


def event_uid(event: Event) -> str:
    return f"{event.uid}@yokoito"


def event_component(event: Event) -> icalendar.Event:
    owner = owner_for(event)
    url = owner.url(event)
    component = icalendar.Event()
    component.add("uid", event_uid(event))
    component.add("dtstamp", timezone.now())
    component.add("dtstart", event.starts_at.astimezone(JST))
    component.add("dtend", event.ends_at.astimezone(JST))
    component.add("summary", event.title)
    component.add("sequence", event.sequence)
    component.add(
        "status",
        "CANCELLED" if event.status == Event.Status.CANCELLED else "CONFIRMED",
    )
    if event.format == Event.Format.PLACE and event.place:
        component.add("location", event.place)
    else:
        component.add("location", "オンライン（参加リンクは横糸のページに開始前に表示されます）")
    lines = list(owner.calendar_notes(event))
    if event.description.strip():
        lines.append(event.description.strip())
    if url:
        absolute = settings.SITE_URL + url
        component.add("url", absolute)
        lines.append(f"詳細: {absolute}")
    if lines:
        component.add("description", "\n\n".join(lines))
    return component


def calendar_build(components: Iterable[icalendar.Event], *, name: str = "横糸") -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Tokyo")
    # VTIMEZONE for Asia/Tokyo first, always present (also in an empty feed).
    cal.add_component(icalendar.Timezone.from_tzid("Asia/Tokyo"))
    for component in components:
        cal.add_component(component)
    return cal.to_ical()


def event_ics(event: Event) -> bytes:
    return calendar_build([event_component(event)], name=event.title)
