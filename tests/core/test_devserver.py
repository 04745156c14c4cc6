"""`make run` (scripts/devserver.py): one SITE_URL for web, worker and beat, derived from
the port served on; and the three children stop with it, even when it is SIGKILLed."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from scripts.devserver import child_env, site_url

ROOT = Path(__file__).resolve().parents[2]
PID_LINE = re.compile(r"\[devserver\] started (\w+) \(pid (\d+)\)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting to be reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def environ_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


@contextlib.contextmanager
def devserver(tmp_path, *, migrate: bool = False, **extra):
    """Start scripts/devserver.py on a free port with its own SQLite file and broker
    folder; yield (process, port, {name: pid}) once /healthz answers."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.pop("SITE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update({"YOKOITO_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings.dev"})
    env.update(extra)
    if migrate:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=ROOT, env=env, check=True, timeout=180,
        )  # fmt: skip
    port = free_port()
    log = open(tmp_path / "devserver.log", "w+")
    proc = subprocess.Popen(
        [sys.executable, "scripts/devserver.py", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    pids: dict[str, int] = {}
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, (tmp_path / "devserver.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "devserver.log").read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        text = (tmp_path / "devserver.log").read_text()
        pids = {name: int(pid) for name, pid in PID_LINE.findall(text)}
        assert set(pids) == {"web", "worker", "beat"}, text
        yield proc, port, pids
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=15)
        for pid in pids.values():
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()


def test_site_url_follows_the_host_and_port_unless_it_is_set():
    assert child_env("127.0.0.1", 8201, {})["SITE_URL"] == "http://127.0.0.1:8201"
    assert site_url("0.0.0.0", "9000") == "http://127.0.0.1:9000"
    assert site_url("::1", 8000) == "http://[::1]:8000"
    assert site_url("localhost", 8000) == "http://localhost:8000"
    given = {"SITE_URL": "https://yokoito.example.jp"}
    assert child_env("127.0.0.1", 8201, given)["SITE_URL"] == "https://yokoito.example.jp"
    assert child_env("127.0.0.1", 8201, {"SITE_URL": ""})["SITE_URL"] == "http://127.0.0.1:8201"


def assert_children_die_with_it(proc, pids: dict[str, int]) -> None:
    assert all(alive(pid) for pid in pids.values())
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 15
    while any(alive(pid) for pid in pids.values()) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = {name: pid for name, pid in pids.items() if alive(pid)}
    assert left == {}, f"still running after the parent was killed: {left}"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_make_run_links_to_its_own_port_and_its_children_die_with_it(tmp_path):
    """§3: mails and calendars linked to :8000 when `make run` served elsewhere.
    §19: after SIGKILL of devserver.py, web, worker and beat kept running (Linux:
    PR_SET_PDEATHSIG)."""
    with devserver(tmp_path, migrate=True) as (proc, port, pids):
        expected = f"http://127.0.0.1:{port}"
        # Worker (mails) and beat (reminders, digests) render links with the same URL.
        for name in ("web", "worker", "beat"):
            assert environ_of(pids[name])["SITE_URL"] == expected, name
        with urllib.request.urlopen(f"{expected}/coverage/", timeout=10) as response:
            html = response.read().decode()
        assert f"{expected}/coverage/embed/" in html
        assert "127.0.0.1:8000" not in html
        assert_children_die_with_it(proc, pids)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_children_that_poll_their_parent_die_with_it_too(tmp_path):
    """§19 where the kernel cannot be asked (core.devwatch, forced here)."""
    with devserver(tmp_path, YOKOITO_PARENT_WATCH="poll") as (proc, _port, pids):
        assert "YOKOITO_PARENT_PID" in environ_of(pids["web"])
        assert_children_die_with_it(proc, pids)
