from celery import shared_task

from . import services


@shared_task(acks_late=True)
def applications_overdue_notify() -> int:
    """Daily: tell staff about applications waiting longer than the limit (once a day)."""
    return services.applications_overdue_notify()
