"""Status is derived from the clock, with the same boundaries in Python and in SQL."""

import datetime as dt

import pytest

from broadcasts.models import Episode, EpisodeStatus
from tests.factories import EpisodeFactory

pytestmark = pytest.mark.django_db

JST = dt.timezone(dt.timedelta(hours=9))
START = dt.datetime(2026, 4, 5, 22, 0, tzinfo=JST)
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def episode():
    return EpisodeFactory(air_date=START.date(), starts_at=START, duration=dt.timedelta(minutes=60))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (START - SECOND, EpisodeStatus.SCHEDULED),
        (START, EpisodeStatus.ON_AIR),
        (START + dt.timedelta(minutes=60) - SECOND, EpisodeStatus.ON_AIR),
        (START + dt.timedelta(minutes=60), EpisodeStatus.ENDED),
    ],
)
def test_status_at_the_boundaries(episode, now, expected):
    assert episode.status_at(now) == expected
    # The queryset filters agree with the property at the same instant.
    assert list(Episode.objects.with_status(expected, now)) == [episode]
    others = set(EpisodeStatus) - {expected}
    for status in others:
        assert not Episode.objects.with_status(status, now).exists(), status


def test_archive_url_turns_ended_into_archived(episode):
    after = START + dt.timedelta(hours=2)
    episode.archive_url = "https://video.example.jp/archive/1"
    episode.save()
    assert episode.status_at(after) == EpisodeStatus.ARCHIVED
    assert list(Episode.objects.archived(after)) == [episode]
    assert not Episode.objects.ended_without_archive(after).exists()
    # An archive URL entered early does not hide that the episode is on air.
    assert episode.status_at(START) == EpisodeStatus.ON_AIR
    assert episode.status_at(START - SECOND) == EpisodeStatus.SCHEDULED


def test_aired_counts_from_the_start(episode):
    assert Episode.objects.aired(START - SECOND).count() == 0
    assert Episode.objects.aired(START).count() == 1


def test_default_duration_comes_from_the_setting(settings):
    settings.BROADCAST_DEFAULT_DURATION_MINUTES = 45
    assert EpisodeFactory().duration == dt.timedelta(minutes=45)


def test_one_episode_per_programme_per_day(episode):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        EpisodeFactory(programme=episode.programme, air_date=episode.air_date)
