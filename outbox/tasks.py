from celery import shared_task

from .services import MAX_ATTEMPTS, mail_deliver, mails_requeue_stale


@shared_task(bind=True, acks_late=True, max_retries=MAX_ATTEMPTS)
def mail_send(self, mail_id: int) -> bool:
    """Send one outbox row. Safe to run twice: a sent row is skipped under its row lock."""
    try:
        return mail_deliver(mail_id=mail_id)
    except Exception as exc:
        # Back off 30 s, 60 s, 120 s … capped well under the broker's visibility timeout.
        raise self.retry(exc=exc, countdown=min(30 * 2**self.request.retries, 1800)) from exc


@shared_task(acks_late=True)
def mail_send_many(mail_ids: list[int]) -> int:
    """Send a batch written by `mail_enqueue_many`. Safe to run twice (sent rows are
    skipped); a row that fails goes on alone through `mail_send` and its backoff."""
    sent = 0
    for mail_id in mail_ids:
        try:
            sent += bool(mail_deliver(mail_id=mail_id))
        except Exception:
            mail_send.apply_async((mail_id,), countdown=30)
    return sent


@shared_task(acks_late=True)
def outbox_sweep() -> int:
    """Re-queue rows left queued because the broker or worker was down."""
    ids = mails_requeue_stale()
    for mail_id in ids:
        mail_send.delay(mail_id)
    return len(ids)
