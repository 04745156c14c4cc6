from celery import shared_task

from . import services


@shared_task(acks_late=True)
def orientations_generate() -> int:
    """Weekly: make sure the coming Friday orientations exist (idempotent)."""
    return services.orientations_generate()
