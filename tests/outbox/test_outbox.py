import os

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from outbox import services, tasks
from outbox.models import OutgoingMail
from tests.workers import celery_worker

pytestmark = pytest.mark.django_db


def enqueue(**kw):
    defaults = {
        "to": "a@city.example.lg.jp",
        "template": "vetting_approved",
        "context": {"name": "A"},
    }
    return services.mail_enqueue(**{**defaults, **kw})


def test_a_row_is_written_and_sent_after_commit(django_capture_on_commit_callbacks, monkeypatch):
    sent_ids = []
    monkeypatch.setattr(tasks.mail_send, "delay", lambda mail_id: sent_ids.append(mail_id))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = enqueue()
    assert row.status == OutgoingMail.Status.QUEUED
    assert row.subject == "[横糸] 入庁が承認されました — ようこそ横糸へ"
    assert "ようこそ横糸へ" in row.body
    assert sent_ids == []  # nothing is sent before the transaction commits
    for callback in callbacks:
        callback()
    assert sent_ids == [row.pk]


def test_sending_twice_delivers_once():
    row = enqueue()
    assert tasks.mail_send.apply(args=[row.pk]).get() is True
    assert tasks.mail_send.apply(args=[row.pk]).get() is False
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.SENT and row.attempts == 1 and row.sent_at


def test_a_failed_send_is_counted_and_waits_for_its_backoff(monkeypatch):
    row = enqueue()

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", broken)
    now = timezone.now()
    with pytest.raises(ConnectionRefusedError):
        services.mail_deliver(mail_id=row.pk, now=now)
    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.QUEUED and row.attempts == 1
    assert "smtp down" in row.last_error
    assert row.next_attempt_at == now + services.retry_delay(1)
    monkeypatch.undo()
    # Not due yet: nobody sends it before its backoff has passed.
    assert services.mail_deliver(mail_id=row.pk, now=now + timezone.timedelta(seconds=59)) is False
    assert services.mail_deliver(mail_id=row.pk, now=now + timezone.timedelta(seconds=60)) is True
    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.SENT and row.attempts == 2 and row.last_error == ""


def test_backoff_is_exponential_and_capped():
    minutes = [services.retry_delay(n).total_seconds() / 60 for n in range(1, 12)]
    assert minutes == [1, 2, 4, 8, 16, 32, 64, 120, 120, 120, 120]


def test_gives_up_after_max_attempts(monkeypatch):
    row = enqueue()
    OutgoingMail.objects.filter(pk=row.pk).update(attempts=services.MAX_ATTEMPTS - 2)
    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        lambda *a, **k: (_ for _ in ()).throw(OSError("x")),
    )
    now = timezone.now()
    with pytest.raises(OSError):
        services.mail_deliver(mail_id=row.pk, now=now)
    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.QUEUED  # one attempt left
    with pytest.raises(OSError):
        services.mail_deliver(mail_id=row.pk, now=row.next_attempt_at)
    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.FAILED and row.attempts == services.MAX_ATTEMPTS


def test_a_sent_message_carries_a_message_id_from_its_row():
    row = enqueue()
    assert services.mail_deliver(mail_id=row.pk) is True
    msgid = mail.outbox[0].extra_headers["Message-ID"]
    assert msgid == services.message_id(row)
    assert msgid.startswith(f"<outbox.{row.pk}.") and msgid.endswith(">")
    assert f"Message-ID: {msgid}" in mail.outbox[0].message().as_string()


def test_dedupe_key_writes_one_row():
    assert enqueue(dedupe_key="k1") is not None
    assert enqueue(dedupe_key="k1") is None
    assert OutgoingMail.objects.filter(dedupe_key="k1").count() == 1


def test_broker_down_leaves_the_row_for_the_sweep(django_capture_on_commit_callbacks, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.mail_send, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        row = enqueue()  # the enqueue does not fail the caller's request
    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.QUEUED
    assert tasks.outbox_sweep() == 1  # the sweep sends it, in-process
    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.SENT and row.attempts == 1
    assert tasks.outbox_sweep() == 0


def test_a_claimed_row_is_not_sent_by_anyone_else():
    row = enqueue()
    now = timezone.now()
    claimed = services.mails_claim(now=now)
    assert [m.pk for m in claimed] == [row.pk]
    # While its sender holds it (the lease), the per-mail kick and the sweep pass it over.
    assert services.mail_deliver(mail_id=row.pk, now=now) is False
    assert services.mails_deliver_due(now=now) == 0
    assert mail.outbox == []
    # A sender that died: once the lease runs out the row is due again.
    later = now + timezone.timedelta(seconds=services._claim_seconds())
    assert services.mails_deliver_due(now=later) == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_sends_an_outbox_row(postgres, redis_url, tmp_path):
    """The outbox end to end: PostgreSQL row → Redis → a real Celery worker → a mail file."""
    row = enqueue()
    settings = connection.settings_dict
    db_url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    mail_dir = tmp_path / "mail"
    queue = f"outbox-it-{row.pk}-{os.getpid()}"
    env = {
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "YOKOITO_VAR_DIR": str(tmp_path),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
    }
    from celery import Celery

    client = Celery(broker=redis_url, backend=redis_url)
    try:
        with celery_worker(queue=queue, env=env):
            first = client.send_task("outbox.tasks.mail_send", args=[row.pk], queue=queue)
            second = client.send_task("outbox.tasks.mail_send", args=[row.pk], queue=queue)
            # Wait for both tasks to finish: one sent the row, the other found it sent.
            outcomes = sorted([first.get(timeout=60), second.get(timeout=60)])
        assert outcomes == [False, True]
        row.refresh_from_db()
        assert row.status == OutgoingMail.Status.SENT and row.attempts == 1
        files = list(mail_dir.glob("*.log"))
        assert len(files) == 1
        assert "ようこそ横糸へ" in files[0].read_text()
    finally:
        client.close()
