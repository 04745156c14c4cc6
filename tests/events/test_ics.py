"""Calendars: the .ics per event and the private feed, parsed back with icalendar."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.utils import timezone

from events import services
from events.ics import event_ics
from events.models import CalendarFeed

pytestmark = pytest.mark.django_db
td = timezone.timedelta


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def test_event_ics_is_valid_with_tokyo_timezone_and_no_join_link(meeting):
    event = meeting.event
    data = event_ics(event)
    cal = parse(data)
    tz = cal.walk("VTIMEZONE")
    assert [str(t["TZID"]) for t in tz] == ["Asia/Tokyo"]
    (vevent,) = cal.walk("VEVENT")
    assert str(vevent["UID"]) == f"{event.uid}@yokoito"
    assert vevent.decoded("DTSTART") == event.starts_at.replace(microsecond=0)
    assert vevent.decoded("DTSTART").tzinfo.key == "Asia/Tokyo"
    assert vevent["DTSTART"].params["TZID"] == "Asia/Tokyo"
    assert int(vevent["SEQUENCE"]) == 0
    assert event.join_url.encode() not in data
    assert meeting.section.slug in str(vevent["URL"])


def test_uid_is_stable_and_sequence_bumps_on_change(meeting):
    event = meeting.event
    before = parse(event_ics(event)).walk("VEVENT")[0]
    new_start = event.starts_at + td(hours=2)
    event = services.event_update(
        event_id=event.pk, starts_at=new_start, ends_at=new_start + td(hours=1)
    )
    after = parse(event_ics(event)).walk("VEVENT")[0]
    assert after["UID"] == before["UID"]
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after.decoded("DTSTART") == new_start.astimezone(ZoneInfo("Asia/Tokyo")).replace(
        microsecond=0
    )
    cancelled = services.event_cancel(event_id=event.pk)
    final = parse(event_ics(cancelled)).walk("VEVENT")[0]
    assert str(final["STATUS"]) == "CANCELLED"
    assert int(final["SEQUENCE"]) == int(after["SEQUENCE"]) + 1


def test_private_feed_lists_confirmed_events_only_and_works_without_a_session(
    client, meeting, join
):
    from tests.factories import MeetingFactory

    user = join()
    other_meeting = MeetingFactory(section=meeting.section, event__title="不参加の会")
    services.registration_rsvp(event_id=meeting.event.pk, user=user, going=True)
    services.registration_rsvp(event_id=other_meeting.event.pk, user=user, going=False)
    feed = services.calendar_feed_get_or_create(user=user)
    response = client.get(f"/calendar/{feed.token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = parse(response.content)
    summaries = [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]
    assert summaries == [meeting.event.title]
    assert meeting.event.join_url.encode() not in response.content
    assert cal.walk("VTIMEZONE")


def test_regenerating_the_feed_token_kills_the_old_url(client, join, meeting):
    user = join()
    old = services.calendar_feed_get_or_create(user=user).token
    new = services.calendar_feed_regenerate(user=user).token
    assert new != old and len(new) >= 43
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200


def test_feed_of_a_suspended_member_is_gone(client, join):
    user = join()
    token = services.calendar_feed_get_or_create(user=user).token
    user.status = user.Status.SUSPENDED
    user.save()
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert CalendarFeed.objects.filter(token=token).exists()


def test_feed_providers_are_pluggable(client, join):
    from events import registry

    user = join()

    def extra(u):
        item = icalendar.Event()
        item.add("uid", "episode-1@yokoito")
        item.add("summary", "庁内放送")
        item.add("dtstart", timezone.now())
        return [item]

    registry.register_feed_provider("test-extra", extra)
    try:
        token = services.calendar_feed_get_or_create(user=user).token
        cal = parse(client.get(f"/calendar/{token}.ics").content)
        assert "庁内放送" in [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]
    finally:
        registry._feed_sources.pop("test-extra")
