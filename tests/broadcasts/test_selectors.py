import datetime as dt

import pytest
from django.utils import timezone

from broadcasts.calendar import episodes_feed_provider
from broadcasts.selectors import followed_episodes_for
from tests.factories import EpisodeFactory, FollowFactory, GuestFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

JST = dt.timezone(dt.timedelta(hours=9))


def test_followed_episodes_for_returns_only_followed_programmes_in_range():
    follow = FollowFactory()
    other = ProgrammeFactory()
    inside = EpisodeFactory(
        programme=follow.programme,
        air_date=dt.date(2026, 4, 6),
        starts_at=dt.datetime(2026, 4, 6, 22, tzinfo=JST),
    )
    EpisodeFactory(
        programme=follow.programme,
        air_date=dt.date(2026, 4, 20),
        starts_at=dt.datetime(2026, 4, 20, 22, tzinfo=JST),
    )
    EpisodeFactory(
        programme=other,
        air_date=dt.date(2026, 4, 7),
        starts_at=dt.datetime(2026, 4, 7, 22, tzinfo=JST),
    )
    start, end = dt.datetime(2026, 4, 1, tzinfo=JST), dt.datetime(2026, 4, 13, tzinfo=JST)
    assert list(followed_episodes_for(follow.user, start, end)) == [inside]
    # Another member who follows nothing sees nothing.
    assert (
        not followed_episodes_for(FollowFactory(programme=other).user, start, end)
        .filter(programme=follow.programme)
        .exists()
    )


def test_calendar_provider_builds_events_without_the_live_link(django_assert_max_num_queries):
    follow = FollowFactory()
    starts = timezone.now() + dt.timedelta(days=2)
    episode = EpisodeFactory(
        programme=follow.programme,
        air_date=timezone.localdate(starts),
        starts_at=starts,
        title="防災の夜",
        live_url="https://live.example.jp/secret",
    )
    GuestFactory(episode=episode, name="伊藤 健", affiliation="仙台市")
    with django_assert_max_num_queries(2):
        components = episodes_feed_provider(follow.user)
    assert len(components) == 1
    ical = components[0].to_ical().decode()
    assert "防災の夜" in ical
    assert f"/broadcasts/episodes/{episode.pk}/" in ical
    assert "live.example.jp" not in ical


def test_provider_is_registered_with_the_events_feed_when_present():
    registry = pytest.importorskip("events.registry")
    assert episodes_feed_provider in registry.feed_providers()


def test_followed_episodes_appear_in_the_private_calendar_feed(client):
    services = pytest.importorskip("events.services")
    follow = FollowFactory()
    starts = timezone.now() + dt.timedelta(days=1)
    episode = EpisodeFactory(
        programme=follow.programme,
        air_date=timezone.localdate(starts),
        starts_at=starts,
        title="フィードに載る回",
    )
    unfollowed = EpisodeFactory(starts_at=starts, title="フォローしていない回")
    feed = services.calendar_feed_get_or_create(user=follow.user)
    response = client.get(f"/calendar/{feed.token}.ics")
    assert response.status_code == 200
    body = response.content.decode()
    assert f"broadcast-episode-{episode.pk}@yokoito" in body
    assert f"broadcast-episode-{unfollowed.pk}@yokoito" not in body
