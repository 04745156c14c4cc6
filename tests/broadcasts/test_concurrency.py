"""Two beat runs at once (a restarted worker, a duplicated beat) still send each mail once."""

import datetime as dt
import threading

import pytest
from django.db import connection

from broadcasts.services import digests_send, reminders_send
from outbox.models import OutgoingMail
from tests.factories import EpisodeFactory, FollowFactory, ProgrammeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

JST = dt.timezone(dt.timedelta(hours=9))
START = dt.datetime(2026, 4, 5, 22, 0, tzinfo=JST)


def run_concurrently(fn, n=4, **kwargs):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(fn(**kwargs))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return results


def test_concurrent_reminder_scans_send_each_reminder_once(postgres, local_governments):
    programmes = [ProgrammeFactory() for _ in range(3)]
    for i, programme in enumerate(programmes):
        EpisodeFactory(
            programme=programme,
            air_date=START.date(),
            starts_at=START + dt.timedelta(minutes=i),
        )
        for _ in range(5):
            FollowFactory(programme=programme)
    results = run_concurrently(reminders_send, now=START - dt.timedelta(minutes=10))
    assert sum(results) == 15
    assert OutgoingMail.objects.filter(template="broadcasts_reminder").count() == 15
    assert reminders_send(now=START - dt.timedelta(minutes=5)) == 0


def test_concurrent_digest_scans_send_each_digest_once(postgres, local_governments):
    programme = ProgrammeFactory()
    EpisodeFactory(programme=programme, air_date=START.date(), starts_at=START)
    for _ in range(6):
        FollowFactory(programme=programme, mode="digest", digest_time=dt.time(7, 0))
    results = run_concurrently(digests_send, now=dt.datetime(2026, 4, 5, 7, 0, tzinfo=JST))
    assert sum(results) == 6
    assert OutgoingMail.objects.filter(template="broadcasts_digest").count() == 6
