from celery import shared_task

from .series_services import series_top_up as series_top_up_service


@shared_task(acks_late=True)
def series_top_up() -> int:
    """Beat entry: create the missing meetings of every running series for the next
    SECTIONS_SERIES_HORIZON_WEEKS weeks. Safe to run twice or in two workers at once (the
    series root is locked with SKIP LOCKED; series + original date is unique)."""
    return series_top_up_service()
