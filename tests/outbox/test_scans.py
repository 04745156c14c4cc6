"""The reminder scans are set-based (issue 18 items 2): a constant number of queries in the
number of registrations or follows, nothing rendered for a reminder already queued, and
nothing for members who are not active (suspended, withdrawn)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from broadcasts.models import Follow
from broadcasts.services import digests_send
from broadcasts.services import reminders_send as broadcast_reminders_send
from events.models import Registration
from events.services import reminders_send_due
from outbox import services as outbox_services
from outbox.models import OutgoingMail
from tests.factories import EpisodeFactory, MeetingFactory, MemberFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db
JST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture
def renders(monkeypatch):
    """Count the mails rendered."""
    calls = []
    real = outbox_services._render

    def counting(template, context):
        calls.append(template)
        return real(template, context)

    monkeypatch.setattr(outbox_services, "_render", counting)
    return calls


def _meeting_with(n: int, *, statuses=()):
    meeting = MeetingFactory(event__starts_at=timezone.now() + dt.timedelta(hours=12))
    users = MemberFactory.create_batch(n)
    for user, status in zip(users, statuses, strict=False):
        User.objects.filter(pk=user.pk).update(status=status)
    yesterday = timezone.now() - dt.timedelta(days=1)
    Registration.objects.bulk_create(
        Registration(event=meeting.event, user=u, status="going", confirmed_at=yesterday,
                     created_at=yesterday)
        for u in users
    )  # fmt: skip
    return meeting, users


def _queries(fn, **kwargs):
    with CaptureQueriesContext(connection) as ctx:
        result = fn(**kwargs)
    return result, len(ctx.captured_queries)


def test_event_scan_queries_are_constant_and_nothing_due_renders_nothing(renders):
    counts = {}
    for n in (3, 40):
        OutgoingMail.objects.all().delete()
        meeting, _users = _meeting_with(n)
        now = meeting.event.starts_at - dt.timedelta(hours=12)
        queued, queries = _queries(reminders_send_due, now=now)
        assert queued == n == OutgoingMail.objects.filter(template="events_reminder").count()
        renders.clear()
        again, queries_again = _queries(reminders_send_due, now=now + dt.timedelta(minutes=1))
        assert again == 0 and renders == []  # existing keys: nothing rendered
        counts[n] = (queries, queries_again)
        meeting.event.delete()
    assert counts[3] == counts[40], counts
    assert counts[40][1] <= 5  # events, lock, due registrations (+ savepoint, release)


def test_event_scan_skips_members_who_are_not_active():
    meeting, users = _meeting_with(3, statuses=[User.Status.SUSPENDED, User.Status.WITHDRAWN])
    assert reminders_send_due(now=meeting.event.starts_at - dt.timedelta(hours=12)) == 1
    assert list(OutgoingMail.objects.values_list("recipient", flat=True)) == [users[2].pk]


def _programme_with(n: int, *, mode: str, statuses=()):
    programme = ProgrammeFactory()
    start = dt.datetime(2026, 4, 5, 22, 0, tzinfo=JST)
    EpisodeFactory(programme=programme, air_date=start.date(), starts_at=start)
    users = MemberFactory.create_batch(n)
    for user, status in zip(users, statuses, strict=False):
        User.objects.filter(pk=user.pk).update(status=status)
    Follow.objects.bulk_create(
        Follow(
            user=u, programme=programme, mode=mode, remind_minutes_before=30,
            digest_time=dt.time(7, 0),
        )
        for u in users
    )  # fmt: skip
    return programme, start, users


@pytest.mark.parametrize("kind", ["reminder", "digest"])
def test_broadcast_scans_queries_are_constant_and_skip_inactive(kind, renders):
    counts = {}
    for n in (3, 40):
        OutgoingMail.objects.all().delete()
        programme, start, users = _programme_with(
            n, mode=kind, statuses=[User.Status.SUSPENDED, User.Status.WITHDRAWN]
        )
        if kind == "reminder":
            fn, now = broadcast_reminders_send, start - dt.timedelta(minutes=20)
        else:
            fn, now = digests_send, start.replace(hour=8)
        queued, queries = _queries(fn, now=now)
        assert queued == n - 2  # the suspended and the withdrawn member get nothing
        recipients = set(OutgoingMail.objects.values_list("recipient", flat=True))
        assert recipients == {u.pk for u in users[2:]}
        renders.clear()
        again, queries_again = _queries(fn, now=now + dt.timedelta(minutes=1))
        assert again == 0 and renders == []
        counts[n] = (queries, queries_again)
        Follow.objects.filter(programme=programme).delete()
    assert counts[3] == counts[40], counts
