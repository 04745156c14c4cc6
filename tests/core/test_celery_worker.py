"""A real Celery worker on Redis completes a task."""

import uuid

from celery import Celery

from tests.workers import celery_worker


def test_a_real_worker_on_redis_runs_a_task(redis_url):
    queue = f"it-{uuid.uuid4().hex[:8]}"
    client = Celery(broker=redis_url, backend=redis_url)
    try:
        with celery_worker(queue=queue, env={"REDIS_URL": redis_url}):
            token = uuid.uuid4().hex
            result = client.send_task("core.tasks.ping", args=[token], queue=queue)
            assert result.get(timeout=60) == f"pong:{token}"
    finally:
        client.close()
