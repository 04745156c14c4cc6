from celery import shared_task

from . import services


@shared_task(acks_late=True)
def moderation_sweep() -> dict[str, int]:
    """Every few minutes: lift penalties whose end has come, and tell reporters whose
    report is 7 days old and undecided that it is still under review (each exactly once)."""
    return {
        "lifted": services.penalties_lift_due(),
        "pending_told": services.reports_pending_notify(),
    }
