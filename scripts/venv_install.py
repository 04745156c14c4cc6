"""Install the pinned dependencies into the project's venv, fast (`make install`).

Run with the base Python (the one that created the venv with `--without-pip`). uv installs
the lock in a few seconds from its cache (~/.cache/uv), downloading in parallel when the
cache is cold; it comes from the venv (pinned `--uv` version, fetched once with the base
Python's pip), else from PATH. Without uv — offline, or a base Python without pip — the
venv gets its own pip (ensurepip) and pip installs the lock. Either way the lock is the
only source of versions."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path


def run(*cmd: str | Path) -> bool:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd]).returncode == 0


def find_uv(venv: Path, version: str, python: Path) -> Path | None:
    own = venv / "bin" / "uv"
    if own.exists():
        return own
    quiet = ("-q", "--disable-pip-version-check")
    # The base Python's pip can install into the venv (pip ≥ 22.3: --python).
    if run(sys.executable, "-m", "pip", "--python", python, "install", *quiet, f"uv=={version}"):
        return own if own.exists() else None
    on_path = shutil.which("uv")
    return Path(on_path) if on_path else None


def venv_pip_install(python: Path, *args: str) -> bool:
    has_pip = subprocess.run([str(python), "-m", "pip", "--version"], capture_output=True)
    if has_pip.returncode != 0 and not run(python, "-m", "ensurepip", "-q"):
        return False
    return run(python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *args)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--venv", type=Path, default=Path(".venv"))
    parser.add_argument("--lock", default="requirements/lock.txt")
    parser.add_argument("--uv", default="0.13.9", help="uv version to fetch into the venv")
    args = parser.parse_args()
    python = args.venv / "bin" / "python"
    uv = find_uv(args.venv, args.uv, python)
    if uv and run(uv, "pip", "install", "-q", "--python", python, "-r", args.lock):
        return 0
    print("uv is not available: installing with pip instead", flush=True)
    return 0 if venv_pip_install(python, "-r", args.lock) else 1


if __name__ == "__main__":
    sys.exit(main())
