"""Exactly-once reminders and digests: run every scan twice; unfollowing stops mail."""

import datetime as dt

import pytest
from django.core import mail

from broadcasts import tasks
from broadcasts.models import Follow
from broadcasts.services import digests_send, follow_remove, reminders_send
from outbox.models import OutgoingMail
from outbox.services import mail_deliver
from tests.factories import (
    EpisodeFactory,
    FollowFactory,
    GuestFactory,
    MemberFactory,
    ProgrammeFactory,
)

pytestmark = pytest.mark.django_db

JST = dt.timezone(dt.timedelta(hours=9))
DAY = dt.date(2026, 4, 5)
START = dt.datetime(2026, 4, 5, 22, 0, tzinfo=JST)


@pytest.fixture
def episode():
    e = EpisodeFactory(
        air_date=DAY, starts_at=START, title="防災の夜", live_url="https://live.example.jp/1"
    )
    GuestFactory(episode=e, name="高橋 真理", affiliation="仙台市 危機管理局")
    return e


def run(capture, fn, **kwargs):
    with capture(execute=True):
        return fn(**kwargs)


def test_reminder_is_sent_once_when_the_lead_time_is_reached(
    episode, django_capture_on_commit_callbacks
):
    follow = FollowFactory(programme=episode.programme, remind_minutes_before=30)
    FollowFactory(programme=episode.programme, remind_minutes_before=10)
    too_early = START - dt.timedelta(minutes=31)
    assert run(django_capture_on_commit_callbacks, reminders_send, now=too_early) == 0

    due = START - dt.timedelta(minutes=30)
    assert run(django_capture_on_commit_callbacks, reminders_send, now=due) == 1
    assert run(django_capture_on_commit_callbacks, reminders_send, now=due) == 0
    later = START - dt.timedelta(minutes=5)
    # The second follower (10 minutes) now gets theirs; the first still only one.
    assert run(django_capture_on_commit_callbacks, reminders_send, now=later) == 1
    assert run(django_capture_on_commit_callbacks, reminders_send, now=later) == 0

    rows = OutgoingMail.objects.filter(template="broadcasts_reminder")
    assert rows.count() == 2
    assert rows.filter(recipient=follow.user).count() == 1
    # Deliver what the outbox holds (the test broker is in memory), twice: still one each.
    for _ in range(2):
        for row in OutgoingMail.objects.all():
            mail_deliver(mail_id=row.pk)
    sent = [m for m in mail.outbox if m.to == [follow.user.email]]
    assert len(sent) == 1
    assert "防災の夜" in sent[0].subject


def test_reminder_mail_content(episode, django_capture_on_commit_callbacks, monkeypatch):
    follow = FollowFactory(programme=episode.programme)
    run(django_capture_on_commit_callbacks, reminders_send, now=START - dt.timedelta(minutes=20))
    row = OutgoingMail.objects.get(recipient=follow.user)
    assert row.dedupe_key == f"broadcasts:reminder:{episode.pk}:{follow.user.pk}"
    assert "防災の夜" in row.subject and "22:00" in row.subject
    assert "高橋 真理（仙台市 危機管理局）" in row.body
    assert f"/broadcasts/episodes/{episode.pk}/" in row.body


def test_no_reminder_once_the_episode_started_or_for_digest_followers(
    episode, django_capture_on_commit_callbacks
):
    FollowFactory(programme=episode.programme, mode=Follow.Mode.DIGEST)
    late = FollowFactory(programme=episode.programme)
    assert run(django_capture_on_commit_callbacks, reminders_send, now=START) == 0
    assert not OutgoingMail.objects.filter(recipient=late.user).exists()


def test_task_entry_point_is_safe_to_run_twice(episode, django_capture_on_commit_callbacks):
    FollowFactory(programme=episode.programme)
    now = START - dt.timedelta(minutes=10)
    with django_capture_on_commit_callbacks(execute=False):
        assert tasks.broadcast_reminders_send(now=now) == 1
        assert tasks.broadcast_reminders_send(now=now) == 0
    assert OutgoingMail.objects.count() == 1


def test_unfollow_stops_reminders(episode, django_capture_on_commit_callbacks):
    follow = FollowFactory(programme=episode.programme)
    follow_remove(user=follow.user, programme=episode.programme)
    assert (
        run(django_capture_on_commit_callbacks, reminders_send, now=START - dt.timedelta(minutes=5))
        == 0
    )
    assert not OutgoingMail.objects.exists()


def test_a_suspended_member_gets_nothing(episode, django_capture_on_commit_callbacks):
    follow = FollowFactory(programme=episode.programme)
    follow.user.status = follow.user.Status.SUSPENDED
    follow.user.save()
    assert (
        run(django_capture_on_commit_callbacks, reminders_send, now=START - dt.timedelta(minutes=5))
        == 0
    )


def test_digest_once_per_day_with_all_followed_programmes(
    episode, django_capture_on_commit_callbacks
):
    user = MemberFactory()
    other_programme = ProgrammeFactory(name="朝の庁内ニュース")
    EpisodeFactory(
        programme=other_programme,
        air_date=DAY + dt.timedelta(days=1),
        starts_at=dt.datetime(2026, 4, 6, 7, 0, tzinfo=JST),
        title="朝のニュース",
    )
    FollowFactory(user=user, programme=episode.programme, mode="digest", digest_time=dt.time(8, 0))
    FollowFactory(user=user, programme=other_programme, mode="digest", digest_time=dt.time(12, 0))
    before = dt.datetime(2026, 4, 5, 7, 59, tzinfo=JST)
    assert run(django_capture_on_commit_callbacks, digests_send, now=before) == 0

    at = dt.datetime(2026, 4, 5, 8, 0, tzinfo=JST)
    assert run(django_capture_on_commit_callbacks, digests_send, now=at) == 1
    assert run(django_capture_on_commit_callbacks, digests_send, now=at) == 0
    # The second follow's later time does not cause a second mail that day.
    noon = dt.datetime(2026, 4, 5, 12, 0, tzinfo=JST)
    assert run(django_capture_on_commit_callbacks, digests_send, now=noon) == 0

    row = OutgoingMail.objects.get(template="broadcasts_digest")
    assert row.dedupe_key == f"broadcasts:digest:2026-04-05:{user.pk}"
    assert "防災の夜" in row.body
    # Both followed programmes, in start order (tomorrow 07:00 is within the next 24 hours).
    assert row.body.index("防災の夜") < row.body.index("朝のニュース")
    assert "2件" in row.subject.replace(" ", "")


def test_digest_is_not_sent_when_nothing_airs_and_stops_after_unfollow(
    episode, django_capture_on_commit_callbacks
):
    follow = FollowFactory(programme=episode.programme, mode="digest", digest_time=dt.time(8, 0))
    next_day = dt.datetime(2026, 4, 6, 8, 0, tzinfo=JST)
    assert run(django_capture_on_commit_callbacks, digests_send, now=next_day) == 0
    follow_remove(user=follow.user, programme=episode.programme)
    at = dt.datetime(2026, 4, 5, 8, 0, tzinfo=JST)
    assert run(django_capture_on_commit_callbacks, digests_send, now=at) == 0
    assert not OutgoingMail.objects.exists()


def test_digest_next_day_is_a_new_mail(episode, django_capture_on_commit_callbacks):
    follow = FollowFactory(programme=episode.programme, mode="digest", digest_time=dt.time(8, 0))
    EpisodeFactory(
        programme=episode.programme,
        air_date=DAY + dt.timedelta(days=1),
        starts_at=START + dt.timedelta(days=1),
    )
    for day in (0, 1):
        at = dt.datetime(2026, 4, 5, 8, 0, tzinfo=JST) + dt.timedelta(days=day)
        assert run(django_capture_on_commit_callbacks, digests_send, now=at) == 1
        assert run(django_capture_on_commit_callbacks, digests_send, now=at) == 0
    assert OutgoingMail.objects.filter(recipient=follow.user).count() == 2
