"""Run the web server, a Celery worker and Celery beat together; Ctrl-C stops all three.

Used by `make run`. Without REDIS_URL the broker is kombu's filesystem transport under
var/celery/, so the same task code runs as in production, with no server to install.

- Links in mails, calendars and the coverage embed snippet use `SITE_URL`; unless it is
  set, it is derived here from the host and port served on and passed to all three.
- The three children die with this process, even when it is killed hard (SIGKILL): on
  Linux the kernel sends each child SIGTERM when its parent dies (PR_SET_PDEATHSIG);
  elsewhere each child watches its parent's pid (`core.devwatch`, started from
  `config/__init__.py` when `YOKOITO_PARENT_PID` is set) and stops itself."""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PR_SET_PDEATHSIG = 1


def site_url(host: str, port: str | int) -> str:
    """The URL a browser on this machine uses for `runserver host:port`."""
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def child_env(host: str, port: str | int, environ: Mapping[str, str]) -> dict[str, str]:
    """The environment of web, worker and beat: dev settings and one SITE_URL for all."""
    env = {**environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "PYTHONUNBUFFERED": "1"}
    if not environ.get("SITE_URL", "").strip():
        env["SITE_URL"] = site_url(host, port)
    return env


def _pdeathsig_available() -> bool:
    if not sys.platform.startswith("linux") or os.environ.get("YOKOITO_PARENT_WATCH") == "poll":
        return False
    return bool(ctypes.util.find_library("c"))


def _die_with_parent(parent_pid: int) -> Callable[[], None]:
    """A preexec_fn (runs in the child between fork and exec): ask the kernel for SIGTERM
    when the parent dies, and exit if it already has."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)

    def preexec() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent_pid:
            os._exit(1)

    return preexec


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8000")
    args = parser.parse_args()

    env = child_env(args.host, args.port, os.environ)
    var_dir = Path(env.get("YOKOITO_VAR_DIR") or ROOT / "var")
    # (The broker's folders under celery/ are made by the settings, in every process.)
    for folder in ("mail", "cache"):
        (var_dir / folder).mkdir(parents=True, exist_ok=True)
    py = sys.executable
    commands = {
        "web": [py, "manage.py", "runserver", f"{args.host}:{args.port}", "--noreload"],
        "worker": [py, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-l", "info"],
        "beat": [
            py, "-m", "celery", "-A", "config", "beat", "-l", "info",
            "-s", str(var_dir / "celerybeat-schedule"),
        ],
    }  # fmt: skip
    preexec = None
    if _pdeathsig_available():
        preexec = _die_with_parent(os.getpid())
    else:
        env["YOKOITO_PARENT_PID"] = str(os.getpid())
    procs: dict[str, subprocess.Popen] = {}
    for name, cmd in commands.items():
        procs[name] = subprocess.Popen(
            cmd, cwd=ROOT, env=env, start_new_session=True, preexec_fn=preexec
        )
        print(f"[devserver] started {name} (pid {procs[name].pid})", flush=True)
    print(f"[devserver] {env['SITE_URL']}/  — Ctrl-C stops everything", flush=True)

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
