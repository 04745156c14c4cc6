"""The series calendar: parsed by `icalendar`, and expanded by `recurring-ical-events` to
exactly the dates the site shows, with overrides, cancellations, holidays and a split."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
import recurring_ical_events
from django.urls import reverse

from core.jst import JST
from events import services as event_services
from events.ics import event_ics
from events.models import Event
from sections import recurrence, series_selectors, series_services
from sections import services as section_services
from sections.calendar import series_ics
from sections.models import Meeting
from sections.recurrence import Rule
from tests.factories import SectionFactory, SectionMembershipFactory
from tests.sections.test_series_services import NOW, _meeting, make_series

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def changed_series():
    """A Monday series with everything that can happen to one: a holiday off, one meeting
    moved to Sunday, one renamed, one cancelled, and a split to Thursdays 20:00."""
    section = SectionFactory(name="予防接種課", slug="yobou")
    head = SectionMembershipFactory(section=section, role="head").user
    series = make_series(section, head)
    sunday = dt.datetime(2027, 1, 17, 21, 0, tzinfo=JST)
    section_services.meeting_update(
        meeting_id=_meeting(series, D(2027, 1, 18)).pk,
        actor=head,
        now=NOW,
        starts_at=sunday,
        ends_at=sunday + dt.timedelta(hours=1),
    )
    section_services.meeting_update(
        meeting_id=_meeting(series, D(2027, 1, 25)).pk, actor=head, now=NOW, title="特別回"
    )
    section_services.meeting_cancel(
        meeting_id=_meeting(series, D(2027, 2, 1)).pk, actor=head, now=NOW
    )
    change = series_services.series_update_following(
        meeting_id=_meeting(series, D(2027, 2, 15)).pk,
        actor=head,
        now=NOW,
        weekdays=["TH"],
        start_time=dt.time(20, 0),
    )
    return series, change.series, head


def _calendar(series) -> icalendar.Calendar:
    parts, by_part = series_selectors.series_calendar_data(root=series)
    return icalendar.Calendar.from_ical(series_ics(parts, by_part, root=series, now=NOW))


def _site_dates(root) -> list[dt.datetime]:
    """What the site shows: every meeting that is not cancelled, then the dates the rule
    still gives after the last meeting made so far."""
    parts = series_selectors.series_parts(root=root)
    meetings = Meeting.objects.filter(series__in=parts).select_related("event")
    shown = sorted(m.event.starts_at for m in meetings if not m.event.is_cancelled)
    made = {(m.series_id, m.original_date) for m in meetings}
    last_made = max(m.original_date for m in meetings if m.original_date)
    for part in parts:
        for day in recurrence.meeting_dates(Rule.of(part)):
            if day > last_made and (part.pk, day) not in made:
                shown.append(recurrence.starts_at(day, part.start_time))
    return sorted(shown)


def test_the_calendar_parses_with_timezone_rrule_exdate_and_overrides(changed_series):
    series, _, _ = changed_series
    cal = _calendar(series)
    timezones = cal.walk("VTIMEZONE")
    assert [str(tz["TZID"]) for tz in timezones] == ["Asia/Tokyo"]
    assert cal.subcomponents[0].name == "VTIMEZONE"  # first
    events = cal.walk("VEVENT")
    masters = [e for e in events if "RECURRENCE-ID" not in e]
    overrides = [e for e in events if "RECURRENCE-ID" in e]
    assert len(masters) == 2  # the Monday part and the Thursday part
    monday, thursday = masters
    assert monday["RRULE"]["FREQ"] == ["WEEKLY"] and monday["RRULE"]["BYDAY"] == ["MO"]
    assert monday["RRULE"]["UNTIL"] == [dt.datetime(2027, 2, 14, 14, 59, 59, tzinfo=dt.UTC)]
    assert thursday["RRULE"]["BYDAY"] == ["TH"]
    assert monday["DTSTART"].dt == dt.datetime(2027, 1, 4, 21, 0, tzinfo=JST)
    assert monday["DTSTART"].params["TZID"] == "Asia/Tokyo"
    exdates = {d.dt for ex in monday.get("EXDATE", []) for d in ex.dts}
    assert dt.datetime(2027, 1, 11, 21, 0, tzinfo=JST) in exdates  # 成人の日
    assert dt.datetime(2027, 2, 1, 21, 0, tzinfo=JST) in exdates  # cancelled
    by_recurrence = {o["RECURRENCE-ID"].dt: o for o in overrides}
    moved = by_recurrence[dt.datetime(2027, 1, 18, 21, 0, tzinfo=JST)]
    assert moved["DTSTART"].dt == dt.datetime(2027, 1, 17, 21, 0, tzinfo=JST)
    assert moved["UID"] == monday["UID"]
    assert str(by_recurrence[dt.datetime(2027, 1, 25, 21, 0, tzinfo=JST)]["SUMMARY"]) == "特別回"
    assert "meet.example.jp" not in cal.to_ical().decode()  # never the join link


def test_recurring_ical_events_expands_to_exactly_the_sites_dates(changed_series):
    series, _, _ = changed_series
    cal = _calendar(series)
    start, end = dt.datetime(2026, 12, 1, tzinfo=JST), dt.datetime(2029, 1, 1, tzinfo=JST)
    expanded = sorted(e["DTSTART"].dt for e in recurring_ical_events.of(cal).between(start, end))
    assert expanded == _site_dates(series)
    # Spot checks: the moved Sunday, no holiday, no cancelled date, Thursdays at 20:00.
    assert dt.datetime(2027, 1, 17, 21, 0, tzinfo=JST) in expanded
    assert dt.datetime(2027, 1, 18, 21, 0, tzinfo=JST) not in expanded
    assert dt.datetime(2027, 1, 11, 21, 0, tzinfo=JST) not in expanded
    assert dt.datetime(2027, 2, 1, 21, 0, tzinfo=JST) not in expanded
    assert dt.datetime(2027, 2, 18, 20, 0, tzinfo=JST) in expanded
    assert all(d.weekday() == 3 for d in expanded if d.date() >= D(2027, 2, 15))


def test_expansion_matches_for_every_rule_kind_with_count_and_holidays():
    section = SectionFactory()
    head = SectionMembershipFactory(section=section, role="head").user
    kinds = [
        {"repeat": "weekly", "weekdays": ["MO", "TH"]},
        {"repeat": "biweekly", "weekdays": ["TU"]},
        {"repeat": "fourweekly", "weekdays": ["FR"]},
        {"repeat": "monthly_nth", "weekdays": ["TU"], "week_of_month": 2},
        {"repeat": "monthly_last", "weekdays": ["MO"]},
        {"repeat": "monthly_date", "weekdays": [], "month_day": 11},  # 11 Feb: 建国記念の日
    ]
    for fields in kinds:
        for end in ({"ends_on": D(2027, 12, 31)}, {"ends_on": None, "count": 9}):
            series = make_series(section, head, **{**fields, **end})
            expanded = sorted(
                e["DTSTART"].dt
                for e in recurring_ical_events.of(_calendar(series)).between(
                    dt.datetime(2027, 1, 1, tzinfo=JST), dt.datetime(2029, 6, 1, tzinfo=JST)
                )
            )
            assert expanded == _site_dates(series), (fields, end)


def test_a_day_that_passed_before_the_series_made_it_is_not_in_the_calendar():
    section = SectionFactory()
    head = SectionMembershipFactory(section=section, role="head").user
    late = dt.datetime(2027, 1, 4, 22, 0, tzinfo=JST)  # created after Monday's 21:00
    series = make_series(section, head, now=late)
    assert not series.meetings.filter(original_date=D(2027, 1, 4)).exists()
    parts, by_part = series_selectors.series_calendar_data(root=series)
    cal = icalendar.Calendar.from_ical(series_ics(parts, by_part, root=series, now=late))
    expanded = [
        e["DTSTART"].dt
        for e in recurring_ical_events.of(cal).between(
            dt.datetime(2027, 1, 1, tzinfo=JST), dt.datetime(2027, 1, 20, tzinfo=JST)
        )
    ]
    assert expanded == [dt.datetime(2027, 1, 18, 21, 0, tzinfo=JST)]  # 11 Jan is 成人の日


def test_each_meetings_ics_names_its_series(changed_series):
    series, _, _ = changed_series
    meeting = _meeting(series, D(2027, 1, 4))
    event = Event.objects.get(pk=meeting.event_id)
    component = icalendar.Calendar.from_ical(event_ics(event)).walk("VEVENT")[0]
    description = str(component["DESCRIPTION"])
    assert "シリーズ「ワクチン接種 情報交換会」（毎週月曜 21:00〜）の回です。" in description
    assert reverse("sections:series", args=["yobou", series.pk]) in description


def test_private_feed_lists_the_concrete_meetings(changed_series, client):
    series, _, _ = changed_series
    member = SectionMembershipFactory(section=series.section).user
    series_services.series_join(series_id=series.pk, user=member, now=NOW)
    feed = event_services.calendar_feed_get_or_create(user=member)
    response = client.get(f"/calendar/{feed.token}.ics")
    cal = icalendar.Calendar.from_ical(response.content)
    events = cal.walk("VEVENT")
    going = Meeting.objects.filter(
        event__registrations__user=member, event__registrations__status="going"
    )
    assert len(events) == going.count() > 5
    assert all("RRULE" not in e and "RECURRENCE-ID" not in e for e in events)
    assert all("シリーズ「" in str(e["DESCRIPTION"]) for e in events)
    # The series calendar for subscriptions, with the same token.
    url = reverse("series_feed", args=[feed.token, series.pk])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert b"RRULE:" in response.content
    assert client.get(reverse("series_feed", args=["nope", series.pk])).status_code == 404
    assert client.get(reverse("series_feed", args=[feed.token, 987654])).status_code == 404
