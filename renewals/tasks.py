from celery import shared_task

from . import services


@shared_task(acks_late=True)
def renewals_scan() -> dict[str, int]:
    """Open cycles, send the reminder due now, lapse after the grace (safe to run twice)."""
    return services.renewals_scan()
