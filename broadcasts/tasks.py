"""Periodic entry points (see CELERY_BEAT_SCHEDULE). Both are safe to run twice.
`now` is for tests (the beat passes nothing)."""

import datetime as dt

from celery import shared_task

from .services import digests_send, reminders_send


@shared_task(acks_late=True)
def broadcast_reminders_send(now: dt.datetime | None = None) -> int:
    return reminders_send(now=now)


@shared_task(acks_late=True)
def broadcast_digests_send(now: dt.datetime | None = None) -> int:
    return digests_send(now=now)
