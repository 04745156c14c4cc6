import datetime as dt

import pytest
from django.utils import timezone

from broadcasts.models import Episode, Follow
from broadcasts.services import BroadcastError, episodes_generate, follow_remove, follow_set
from tests.factories import EpisodeFactory, MemberFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 4, 6)


def test_generate_follows_the_weekday_pattern_at_22_jst(settings):
    settings.BROADCAST_DEFAULT_DURATION_MINUTES = 50
    programme = ProgrammeFactory(weekdays=[0, 2, 4], personalities="山田 花子")
    created = episodes_generate(
        programme=programme, start=MONDAY, end=MONDAY + dt.timedelta(days=13)
    )
    assert created == 6
    episodes = list(Episode.objects.filter(programme=programme))
    assert {e.air_date.weekday() for e in episodes} == {0, 2, 4}
    first = episodes[0]
    local = timezone.localtime(first.starts_at)
    assert (local.date(), local.hour, local.minute) == (MONDAY, 22, 0)
    assert str(local.tzinfo) == "Asia/Tokyo"
    assert first.duration == dt.timedelta(minutes=50)
    assert first.personalities == "山田 花子"


def test_generate_is_idempotent_and_fills_only_the_gaps():
    programme = ProgrammeFactory(weekdays=[0, 1, 2, 3, 4, 5, 6])
    kept = EpisodeFactory(programme=programme, air_date=MONDAY + dt.timedelta(days=2), title="既存")
    end = MONDAY + dt.timedelta(days=6)
    assert episodes_generate(programme=programme, start=MONDAY, end=end) == 6
    assert episodes_generate(programme=programme, start=MONDAY, end=end) == 0
    # Overlapping range: only the new days.
    assert episodes_generate(programme=programme, start=MONDAY, end=end + dt.timedelta(days=3)) == 3
    assert Episode.objects.filter(programme=programme).count() == 10
    kept.refresh_from_db()
    assert kept.title == "既存"


def test_generate_validates_the_range_and_the_pattern():
    programme = ProgrammeFactory()
    with pytest.raises(BroadcastError):
        episodes_generate(programme=programme, start=MONDAY, end=MONDAY - dt.timedelta(days=1))
    with pytest.raises(BroadcastError):
        episodes_generate(programme=programme, start=MONDAY, end=MONDAY + dt.timedelta(days=400))
    with pytest.raises(BroadcastError):
        episodes_generate(programme=ProgrammeFactory(weekdays=[]), start=MONDAY, end=MONDAY)
    assert not Episode.objects.exists()


def test_another_programme_may_air_the_same_day():
    a, b = ProgrammeFactory(), ProgrammeFactory()
    assert episodes_generate(programme=a, start=MONDAY, end=MONDAY) == 1
    assert episodes_generate(programme=b, start=MONDAY, end=MONDAY) == 1


def test_follow_set_creates_then_updates_one_row():
    user, programme = MemberFactory(), ProgrammeFactory()
    follow = follow_set(user=user, programme=programme)
    assert (follow.mode, follow.remind_minutes_before) == (Follow.Mode.REMINDER, 30)
    follow_set(user=user, programme=programme, mode=Follow.Mode.DIGEST, digest_time=dt.time(6, 30))
    follow = Follow.objects.get(user=user, programme=programme)
    assert (follow.mode, follow.digest_time) == (Follow.Mode.DIGEST, dt.time(6, 30))
    with pytest.raises(BroadcastError):
        follow_set(user=user, programme=programme, remind_minutes_before=0)
    assert follow_remove(user=user, programme=programme) is True
    assert follow_remove(user=user, programme=programme) is False
    assert not Follow.objects.exists()


def test_generate_up_to_the_last_representable_date_does_not_overflow():
    # The loop stepped one day past `end`, which overflowed at 9999-12-31.
    import datetime as dt

    from broadcasts import services as broadcast_services
    from tests.factories import ProgrammeFactory

    programme = ProgrammeFactory(weekdays=[0, 1, 2, 3, 4, 5, 6])
    last = dt.date(9999, 12, 31)
    created = broadcast_services.episodes_generate(programme=programme, start=last, end=last)
    assert created == 1
