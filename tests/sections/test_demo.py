import io

import pytest

from events.models import Registration
from sections import demo
from sections.models import Meeting, Section, SectionMembership

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_fills_sections_with_members_and_meetings():
    demo.seed(io.StringIO())
    counts = (
        Section.objects.count(),
        SectionMembership.objects.count(),
        Meeting.objects.count(),
        Registration.objects.count(),
    )
    sections = 58 + 1  # the community's list, and 総合窓口 (discussions/migrations/0002)
    assert counts[0] == sections
    assert counts[1] >= sections * 8 and counts[2] >= sections * 2 and counts[3] > 0
    assert SectionMembership.objects.filter(role="head").count() == sections
    demo.seed(io.StringIO())
    assert (
        Section.objects.count(),
        SectionMembership.objects.count(),
        Meeting.objects.count(),
        Registration.objects.count(),
    ) == counts


def test_seed_makes_the_vaccination_and_second_tuesday_series():
    from django.utils import timezone

    from sections.models import MeetingSeries, SeriesSubscription

    demo.seed(io.StringIO())
    weekly = MeetingSeries.objects.get(title=demo.VACCINATION)
    monthly = MeetingSeries.objects.get(title=demo.HOUKI)
    now = timezone.now()
    past = weekly.meetings.filter(event__starts_at__lt=now).count()
    future = weekly.meetings.filter(event__starts_at__gt=now).count()
    assert past >= 25 and future >= 10  # 44 Saturdays: about 30 behind, the rest ahead
    assert weekly.count == 44 and weekly.start_time.hour == 21
    assert {m.original_date.weekday() for m in weekly.meetings.all()} == {5}
    moved = weekly.meetings.get(has_own_changes=True)
    assert timezone.localtime(moved.event.starts_at).weekday() == 6  # one week on Sunday
    assert monthly.week_of_month == 2 and monthly.weekdays == "TU"
    assert all(
        m.original_date.weekday() == 1 and 8 <= m.original_date.day <= 14
        for m in monthly.meetings.all()
    )
    assert monthly.meetings.filter(event__starts_at__lt=now).exists()
    joined = SeriesSubscription.objects.filter(series=weekly).count()
    assert joined == min(12, weekly.section.memberships.count()) >= 8
    going_past = Registration.objects.filter(
        event__section_meeting__series=weekly, event__starts_at__lt=now, status="going"
    )
    assert going_past.count() >= joined * 25
    counts = (MeetingSeries.objects.count(), Meeting.objects.count(), Registration.objects.count())
    demo.seed(io.StringIO())
    assert (MeetingSeries.objects.count(), Meeting.objects.count(),
            Registration.objects.count()) == counts  # fmt: skip
