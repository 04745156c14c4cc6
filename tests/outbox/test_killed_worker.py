"""Issue 18 item 3: a real worker on Redis, killed with `kill -9` several times while it
delivers batches, loses nothing and repeats at most the one message in flight per kill;
every message carries the Message-ID of its row, so a repeat is the same message."""

from __future__ import annotations

import os
import re
import signal
import time
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from outbox.models import OutgoingMail
from outbox.services import message_id
from tests.workers import celery_worker

ROWS = 2000
KILLS = 3
MSGID = re.compile(rb"^Message-ID: (<outbox\.[^>]+>)", re.M)


def _db_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _delivered(mail_dir) -> Counter:
    found: Counter = Counter()
    for path in mail_dir.glob("*.log"):
        found.update(m.decode() for m in MSGID.findall(path.read_bytes()))
    return found


def _sent() -> int:
    return OutgoingMail.objects.filter(status=OutgoingMail.Status.SENT).count()


@pytest.mark.django_db(transaction=True)
def test_kill_9_mid_batch_loses_nothing_and_repeats_at_most_the_message_in_flight(
    postgres, redis_url, tmp_path
):
    now = timezone.now()
    OutgoingMail.objects.bulk_create(
        OutgoingMail(
            to_email=f"m{i}@city.example.lg.jp", template="x", subject=f"件名 {i}",
            body="本文\n" * 20, dedupe_key=f"kill-test:{i}", created_at=now, next_attempt_at=now,
        )
        for i in range(ROWS)
    )  # fmt: skip
    rows = list(OutgoingMail.objects.all())
    expected = {message_id(row) for row in rows}
    mail_dir = tmp_path / "mail"
    queue = f"outbox-kill-{os.getpid()}"
    env = {
        "DATABASE_URL": _db_url(),
        "REDIS_URL": redis_url,
        "YOKOITO_VAR_DIR": str(tmp_path),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OUTBOX_BATCH_SIZE": "100",
        "OUTBOX_CLAIM_SECONDS": "3",  # a dead worker's rows come due again soon
    }
    from celery import Celery

    client = Celery(broker=redis_url)
    kills = 0
    try:
        for _round in range(KILLS):
            target = _sent() + 150
            with celery_worker(queue=queue, env=env) as worker:
                client.send_task("outbox.tasks.outbox_deliver", queue=queue)
                deadline = time.time() + 90
                while _sent() < target and time.time() < deadline:
                    time.sleep(0.05)
                assert _sent() >= target, "the worker did not deliver"
                os.kill(worker.pid, signal.SIGKILL)  # mid-batch, mid-run
                worker.wait(timeout=20)
                kills += 1
            assert _sent() < ROWS, "killed too late to prove anything"
        # A fresh worker finishes the job (the killed worker's claims expire after 3 s).
        with celery_worker(queue=queue, env=env):
            deadline = time.time() + 180
            while _sent() < ROWS and time.time() < deadline:
                client.send_task("outbox.tasks.outbox_deliver", queue=queue)
                time.sleep(2)
        assert _sent() == ROWS
        assert not OutgoingMail.objects.exclude(status=OutgoingMail.Status.SENT).exists()
        delivered = _delivered(mail_dir)
        assert set(delivered) == expected  # nothing lost, nothing foreign
        repeats = sum(count - 1 for count in delivered.values())
        assert repeats <= kills, delivered.most_common(5)
        # Each row was marked once: one attempt, whatever the kills.
        assert set(OutgoingMail.objects.values_list("attempts", flat=True)) == {1}
    finally:
        client.close()
