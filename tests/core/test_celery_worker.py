"""A real Celery worker on Redis completes a task."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

from celery import Celery

ROOT = Path(__file__).resolve().parents[2]


def test_a_real_worker_on_redis_runs_a_task(redis_url):
    queue = f"it-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
         "-Q", queue, "-l", "warning", "--without-heartbeat", "--without-gossip",
         "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    client = Celery(broker=redis_url, backend=redis_url)
    try:
        token = uuid.uuid4().hex
        result = client.send_task("core.tasks.ping", args=[token], queue=queue)
        assert result.get(timeout=60) == f"pong:{token}"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        worker.stdout.close()
        client.close()
