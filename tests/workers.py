"""A real Celery worker in a subprocess, for the integration tests."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def celery_worker(*, queue: str, env: dict[str, str]):
    """Run `celery worker --pool=solo -Q queue` with `env` added; stop it afterwards."""
    full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", **env}
    full_env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
         "-l", "warning", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        worker.stdout.close()
