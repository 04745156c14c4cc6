from celery import shared_task

from .services import reminders_send_due


@shared_task(acks_late=True)
def reminders_send() -> int:
    """Beat entry: queue due reminders. Safe to run twice (the outbox key is unique)."""
    return reminders_send_due()
