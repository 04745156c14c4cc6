"""Celery entry points of the outbox. None of them retries by itself: a failed attempt
writes the row's next moment (exponential backoff) and the beat-driven sweep, the one owner
of retries, sends it then. All are safe to run twice and in parallel (rows are claimed with
SKIP LOCKED, see outbox/services.py)."""

from celery import shared_task

from .services import batch_size, mail_deliver, mails_deliver_due, mails_due_exist, mails_send_batch


@shared_task(acks_late=True, ignore_result=False)
def mail_send(mail_id: int) -> bool:
    """Send one row right after the transaction that wrote it (low latency). True if sent
    now; False if it was not due (sent, claimed by a batch, waiting in backoff, gone). A
    failure is recorded on the row and left to the sweep."""
    try:
        return mail_deliver(mail_id=mail_id)
    except Exception:
        return False


@shared_task(bind=True, acks_late=True, ignore_result=False)
def outbox_deliver(self) -> int:
    """One batch: claim up to OUTBOX_BATCH_SIZE due rows and send them over one connection.
    A full batch queues the next one (on the same queue), so a backlog is worked through
    batch after batch, a task per batch."""
    result = mails_send_batch()
    if result.claimed >= batch_size() and result.error is None:
        queue = (self.request.delivery_info or {}).get("routing_key")
        outbox_deliver.apply_async(queue=queue) if queue else outbox_deliver.delay()
    return result.sent


@shared_task(acks_late=True)
def outbox_sweep() -> int:
    """Beat, every 30 s: send what is due (new rows whose kick was lost, rows whose backoff
    has passed, rows of a worker that died once their lease ran out)."""
    if not mails_due_exist():
        return 0
    return mails_deliver_due()
