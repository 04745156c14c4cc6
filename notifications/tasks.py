from celery import shared_task

from . import services


@shared_task(acks_late=True)
def digests_send() -> int:
    """Beat entry point (every 15 minutes): queue the due digests. Safe to run twice or on
    two workers at once (locked rows, a period marker and the outbox dedupe key)."""
    return services.digests_send().sent
