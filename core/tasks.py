from celery import shared_task


@shared_task(ignore_result=False)
def ping(value: str) -> str:
    """Round trip used by the health check tooling and the worker integration test."""
    return f"pong:{value}"
