"""Issue 9 item 4: mail survives an SMTP outage (the clock is moved, nothing sleeps)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import pytest
from django.utils import timezone

from outbox import services
from outbox.models import OutgoingMail
from tests.outbox.backends import FakeSMTPBackend, Server

pytestmark = pytest.mark.django_db
BACKEND = f"{FakeSMTPBackend.__module__}.{FakeSMTPBackend.__name__}"


@pytest.fixture
def smtp(settings):
    settings.EMAIL_BACKEND = BACKEND
    settings.OUTBOX_BATCH_SIZE = 10
    Server.reset()
    yield Server
    Server.reset()


def _queue(n: int) -> list[OutgoingMail]:
    return [
        services.mail_enqueue(
            to=f"m{i}@city.example.lg.jp", template="x", subject=f"件名 {i}", body="本文"
        )
        for i in range(n)
    ]


def _attempt_times(rows, log):
    return {row.pk: [t for pk, t in log if pk == row.pk] for row in rows}


def test_two_hours_of_refusing_smtp_lose_nothing_and_send_nothing_twice(smtp):
    rows = _queue(40)
    start = timezone.now()
    by_msgid = {services.message_id(row): row.pk for row in rows}
    tries: list[tuple[int, dt.datetime]] = []  # (row id, clock) of every refused attempt
    smtp.up = False
    clock = start
    # The beat sweep every 30 s, for two hours, while SMTP refuses every connection.
    while clock <= start + dt.timedelta(hours=2):
        before = len(smtp.refused)
        failed_before = OutgoingMail.objects.filter(status="queued").values_list("pk", "attempts")
        attempts_before = dict(failed_before)
        services.mails_deliver_due(now=clock)
        for pk, attempts in OutgoingMail.objects.values_list("pk", "attempts"):
            if attempts != attempts_before.get(pk, attempts):
                tries.append((pk, clock))
        assert len(smtp.refused) == before  # the connection itself was refused
        assert not OutgoingMail.objects.exclude(status="queued").exists(), clock
        clock += dt.timedelta(seconds=30)
    assert smtp.delivered == []
    # Every row was tried, and never before its backoff allowed.
    per_row = _attempt_times(rows, tries)
    for times in per_row.values():
        assert times, "every row was tried at least once"
        for n, (earlier, later) in enumerate(itertools.pairwise(times), start=1):
            assert later - earlier >= services.retry_delay(n)
    attempts = [row.attempts for row in OutgoingMail.objects.all()]
    assert max(attempts) <= 8 < services.MAX_ATTEMPTS  # two hours is ~7 backoff steps
    # SMTP is back: within the longest backoff (2 h) everything goes out, once.
    smtp.up = True
    while OutgoingMail.objects.filter(status="queued").exists():
        assert clock <= start + dt.timedelta(hours=4, minutes=1), "still queued"
        services.mails_deliver_due(now=clock)
        clock += dt.timedelta(seconds=30)
    assert set(OutgoingMail.objects.values_list("status", flat=True)) == {"sent"}
    delivered = Counter(msgid for msgid, _to in smtp.delivered)
    assert set(delivered) == set(by_msgid)
    assert max(delivered.values()) == 1


def test_an_outage_longer_than_the_backoff_gives_up_only_after_max_attempts(smtp):
    (row,) = _queue(1)
    smtp.up = False
    clock, total = timezone.now(), dt.timedelta()
    for attempt in range(1, services.MAX_ATTEMPTS):
        services.mails_deliver_due(now=clock)
        row.refresh_from_db()
        assert (row.status, row.attempts) == ("queued", attempt)
        # One second before the backoff ends nothing happens.
        services.mails_deliver_due(now=row.next_attempt_at - dt.timedelta(seconds=1))
        row.refresh_from_db()
        assert row.attempts == attempt
        total += services.retry_delay(attempt)
        clock = row.next_attempt_at
    assert total > dt.timedelta(hours=10)
    services.mails_deliver_due(now=clock)
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == services.MAX_ATTEMPTS


def test_smtp_failing_halfway_through_a_batch(smtp):
    rows = _queue(10)
    smtp.accept_then_fail_after = 4  # the server drops the connection at the fifth message
    now = timezone.now()
    result = services.mails_send_batch(now=now)
    assert (result.claimed, result.sent, result.failed_attempts) == (10, 4, 1)
    assert smtp.connections == 1  # one connection for the batch
    by_status = Counter(OutgoingMail.objects.values_list("status", flat=True))
    assert by_status == {"sent": 4, "queued": 6}
    fifth = OutgoingMail.objects.get(pk=rows[4].pk)
    assert fifth.attempts == 1 and fifth.next_attempt_at == now + services.retry_delay(1)
    assert "SMTPServerDisconnected" in fifth.last_error
    # The five after it were not tried: handed back, due at once, attempts unchanged.
    untried = OutgoingMail.objects.filter(pk__in=[r.pk for r in rows[5:]])
    assert {(m.attempts, m.next_attempt_at) for m in untried} == {(0, now)}
    # SMTP back: the next batch sends the five untried, the failed one after its backoff.
    smtp.up, smtp.accept_then_fail_after = True, None
    assert services.mails_send_batch(now=now).sent == 5
    assert services.mails_send_batch(now=now + services.retry_delay(1)).sent == 1
    delivered = Counter(msgid for msgid, _to in smtp.delivered)
    assert len(delivered) == 10 and max(delivered.values()) == 1


def test_a_refused_recipient_does_not_stop_the_batch(smtp, monkeypatch):
    import smtplib

    rows = _queue(3)
    original = FakeSMTPBackend.send_messages

    def refuse_second(self, messages):
        if messages[0].to[0] == rows[1].to_email:
            raise smtplib.SMTPRecipientsRefused({rows[1].to_email: (550, b"no such user")})
        return original(self, messages)

    monkeypatch.setattr(FakeSMTPBackend, "send_messages", refuse_second)
    result = services.mails_send_batch()
    assert (result.sent, result.failed_attempts) == (2, 1)
    assert OutgoingMail.objects.get(pk=rows[1].pk).status == "queued"
