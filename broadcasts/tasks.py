"""Periodic entry points (see CELERY_BEAT_SCHEDULE). Both are safe to run twice."""

from celery import shared_task

from .services import digests_send, reminders_send


@shared_task(acks_late=True)
def broadcast_reminders_send() -> int:
    return reminders_send()


@shared_task(acks_late=True)
def broadcast_digests_send() -> int:
    return digests_send()
