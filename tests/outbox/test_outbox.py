import os
import time

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


def test_a_failed_send_is_counted_and_retried(monkeypatch):
    row = enqueue()

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    with pytest.raises(ConnectionRefusedError):
        services.mail_deliver(mail_id=row.pk)
    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.QUEUED and row.attempts == 1
    assert "smtp down" in row.last_error
    monkeypatch.undo()
    assert services.mail_deliver(mail_id=row.pk) is True
    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.SENT and row.attempts == 2


def test_gives_up_after_max_attempts(monkeypatch):
    row = enqueue()
    OutgoingMail.objects.filter(pk=row.pk).update(attempts=services.MAX_ATTEMPTS - 1)
    monkeypatch.setattr(
        "django.core.mail.EmailMessage.send", lambda *a, **k: (_ for _ in ()).throw(OSError("x"))
    )
    with pytest.raises(OSError):
        services.mail_deliver(mail_id=row.pk)
    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.FAILED


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
    OutgoingMail.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - timezone.timedelta(minutes=5)
    )
    fresh = enqueue(to="b@x.lg.jp")
    requeued = []
    monkeypatch.setattr(tasks.mail_send, "delay", lambda mail_id: requeued.append(mail_id))
    assert tasks.outbox_sweep() == 1
    assert requeued == [row.pk]  # the fresh row is not swept yet
    assert fresh.pk not in requeued


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

    client = Celery(broker=redis_url)
    try:
        with celery_worker(queue=queue, env=env):
            client.send_task("outbox.tasks.mail_send", args=[row.pk], queue=queue)
            client.send_task("outbox.tasks.mail_send", args=[row.pk], queue=queue)  # twice
            deadline = time.time() + 60
            while time.time() < deadline:
                row.refresh_from_db()
                if row.status == OutgoingMail.Status.SENT:
                    break
                time.sleep(0.5)
            assert row.status == OutgoingMail.Status.SENT
            time.sleep(2)  # let the duplicate task run too
        files = list(mail_dir.glob("*.log"))
        assert len(files) == 1
        assert "ようこそ横糸へ" in files[0].read_text()
    finally:
        client.close()
