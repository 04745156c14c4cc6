"""Query counts: the section page with 20 series (and single meetings), and a series page
with a year of meetings, each with registrations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from events.models import Registration
from sections import series_services
from sections.models import Meeting
from tests.factories import MeetingFactory, SectionFactory, SectionMembershipFactory

pytestmark = pytest.mark.django_db
SERIES = 20


@pytest.fixture
def busy_section(settings):
    settings.SECTIONS_SERIES_HORIZON_WEEKS = 26  # half a year of meetings per series
    section = SectionFactory(slug="busy")
    head = SectionMembershipFactory(section=section, role="head").user
    members = [SectionMembershipFactory(section=section).user for _ in range(30)]
    today = timezone.localdate()
    kinds = [
        {"repeat": "weekly", "weekdays": ["SA"]},
        {"repeat": "biweekly", "weekdays": ["WE"]},
        {"repeat": "fourweekly", "weekdays": ["FR"]},
        {"repeat": "monthly_nth", "weekdays": ["TU"], "week_of_month": 2},
        {"repeat": "monthly_last", "weekdays": ["TH"]},
        {"repeat": "monthly_date", "weekdays": [], "month_day": 15},
    ]
    all_series = []
    for n in range(SERIES):
        series = series_services.series_create(
            section_id=section.pk,
            actor=head,
            title=f"定例会{n}",
            starts_on=today,
            ends_on=today + dt.timedelta(days=365),
            start_time=dt.time(19 + n % 3, 0),
            format="online",
            join_url="https://meet.example.jp/x",
            capacity=10,
            **kinds[n % len(kinds)],
        )
        all_series.append(series)
    # Every fourth series was split (この回以降), so chains have two parts.
    for series in all_series[::4]:
        meeting = series.meetings.order_by("original_date")[2:3].first()
        if meeting is not None:
            series_services.series_update_following(
                meeting_id=meeting.pk, actor=head, start_time=dt.time(18, 0)
            )
    for series in all_series[:5]:
        for user in members[:12]:
            series_services.series_join(series_id=series.pk, user=user)
    for _ in range(5):
        MeetingFactory(section=section)
    return section, head, members, all_series


def test_section_page_with_20_series(client, busy_section, django_assert_max_num_queries):
    section, _, members, _ = busy_section
    client.force_login(members[0])
    with django_assert_max_num_queries(12):  # see tests/sections/test_queries.py
        response = client.get(reverse("sections:detail", args=[section.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("data-series=") == SERIES
    assert "「毎週土曜 19:00〜」" in html and "「毎月第2火曜" in html and "「毎月15日" in html
    assert html.count("参加中") == 5


def test_series_page_query_count(client, busy_section, django_assert_max_num_queries):
    _, _, members, all_series = busy_section
    series = all_series[0]  # weekly and split: two parts
    client.force_login(members[0])
    # 3 of them: the first visit makes the feed token; 2 for the 議事メモ links.
    with django_assert_max_num_queries(12):
        response = client.get(series.get_absolute_url())
    assert response.status_code == 200
    shown = response.content.decode().count("data-meeting=")
    parts = Q(series_id=series.pk) | Q(series__root_id=series.pk)
    assert shown == Meeting.objects.filter(parts).count() > 20
    assert Registration.objects.filter(event__section_meeting__series__root_id=series.pk).exists()


def test_series_calendar_query_count(client, busy_section, django_assert_max_num_queries):
    section, _, members, all_series = busy_section
    client.force_login(members[0])
    with django_assert_max_num_queries(6):
        response = client.get(reverse("sections:series_ics", args=[section.slug, all_series[0].pk]))
    assert response.status_code == 200
