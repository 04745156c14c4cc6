"""Issue 10 §5: following a programme put every episode, past ones included, into the
private calendar feed, while the calendar page said only confirmed events appear."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from broadcasts.calendar import episodes_feed_provider
from events import services as events_services
from tests.factories import EpisodeFactory, FollowFactory

pytestmark = pytest.mark.django_db
JST = dt.timezone(dt.timedelta(hours=9))


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=JST)


def uids(components) -> set[str]:
    return {str(c["UID"]) for c in components}


def test_feed_holds_followed_episodes_from_today_for_the_configured_weeks(settings):
    settings.BROADCAST_FEED_WEEKS = 4
    follow = FollowFactory()
    now = at(dt.date(2026, 6, 10), 21, 30)
    today = now.date()

    second = FollowFactory(user=follow.user).programme  # one episode per programme a day

    def episode(day: dt.date, hour: int = 22, minute: int = 0, programme=follow.programme):
        return EpisodeFactory(programme=programme, air_date=day, starts_at=at(day, hour, minute))

    yesterday = episode(today - dt.timedelta(days=1))
    last_month = episode(today - dt.timedelta(days=20))
    early_today = episode(
        today, 0, 30, programme=second
    )  # already over, but today: a calendar shows today
    tonight = episode(today)
    last_in_window = episode(today + dt.timedelta(days=27), 23, 59)
    beyond = episode(today + dt.timedelta(days=28), 0, 0)
    got = uids(episodes_feed_provider(follow.user, now=now))
    key = "broadcast-episode-{}@yokoito".format
    assert got == {key(early_today.pk), key(tonight.pk), key(last_in_window.pk)}
    assert key(yesterday.pk) not in got and key(last_month.pk) not in got
    assert key(beyond.pk) not in got


def test_calendar_page_says_exactly_what_the_feed_holds(client, settings):
    settings.BROADCAST_FEED_WEEKS = 2
    follow = FollowFactory()
    today = timezone.localdate()
    past = EpisodeFactory(programme=follow.programme, air_date=today - dt.timedelta(days=3))
    soon = EpisodeFactory(programme=follow.programme, air_date=today + dt.timedelta(days=13))
    later = EpisodeFactory(programme=follow.programme, air_date=today + dt.timedelta(days=15))
    client.force_login(follow.user)

    html = client.get(reverse("events:calendar")).content.decode()
    assert (
        "フォロー中の番組（庁内放送）の放送回。今日から2週間先まで（過去の回は載りません）。"
        in html
    )
    assert "参加が確定した会（情報交換会・研修・説明会）" in html
    assert "終わった会は30日間残ります" in html

    token = events_services.calendar_feed_get_or_create(user=follow.user).token
    body = client.get(f"/calendar/{token}.ics").content.decode()
    assert f"broadcast-episode-{soon.pk}@yokoito" in body
    assert f"broadcast-episode-{past.pk}@yokoito" not in body
    assert f"broadcast-episode-{later.pk}@yokoito" not in body
