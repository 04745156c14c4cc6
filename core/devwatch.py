"""Stop a `make run` child when scripts/devserver.py is gone (where PR_SET_PDEATHSIG is not
available). Imports nothing from Django: `config/__init__.py` starts it before settings."""

from __future__ import annotations

import os
import signal
import threading
import time


def watch_parent(parent_pid: int, *, interval: float = 0.5) -> threading.Thread:
    """Poll the parent pid in a daemon thread; when this process has been re-parented (the
    parent died, even by SIGKILL), send ourselves SIGTERM, then SIGKILL if still alive."""

    def run() -> None:
        while os.getppid() == parent_pid:
            time.sleep(interval)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(10)
        os.kill(os.getpid(), signal.SIGKILL)

    thread = threading.Thread(target=run, name="yokoito-parent-watch", daemon=True)
    thread.start()
    return thread
