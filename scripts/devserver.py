"""Run the web server, a Celery worker and Celery beat together; Ctrl-C stops all three.

Used by `make run`. Without REDIS_URL the broker is kombu's filesystem transport under
var/celery/, so the same task code runs as in production, with no server to install."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8000")
    args = parser.parse_args()

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "PYTHONUNBUFFERED": "1"}
    for folder in ("var/celery/queue", "var/celery/processed", "var/mail", "var/cache"):
        (ROOT / folder).mkdir(parents=True, exist_ok=True)
    py = sys.executable
    commands = {
        "web": [py, "manage.py", "runserver", f"{args.host}:{args.port}", "--noreload"],
        "worker": [py, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-l", "info"],
        "beat": [
            py, "-m", "celery", "-A", "config", "beat", "-l", "info",
            "-s", str(ROOT / "var" / "celerybeat-schedule"),
        ],
    }  # fmt: skip
    procs: dict[str, subprocess.Popen] = {}
    for name, cmd in commands.items():
        procs[name] = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
        print(f"[devserver] started {name} (pid {procs[name].pid})", flush=True)
    print(f"[devserver] http://{args.host}:{args.port}/  — Ctrl-C stops everything", flush=True)

    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    while not stopping:
        for name, proc in procs.items():
            if proc.poll() is not None:
                print(f"[devserver] {name} exited with {proc.returncode}; stopping", flush=True)
                exit_code = proc.returncode or 1
                stopping = True
                break
        time.sleep(0.3)
    for proc in procs.values():
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.time() + 10
    for proc in procs.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    print("[devserver] stopped", flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
