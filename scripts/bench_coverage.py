#!/usr/bin/env python
"""`make bench`: load /coverage/ under gunicorn with wrk, next to a static file of the same size.

1. A separate database: SQLite under var/bench/ (or, when DATABASE_URL points at
   PostgreSQL, a database of that name with the suffix `_bench`), migrated, with the 1,788
   local governments and 20,000 approved members spread over them.
2. Production settings (generated SECRET_KEY, DEBUG off, ALLOWED_HOSTS=127.0.0.1,
   SECURE_SSL_REDIRECT off), collectstatic, and a copy of the rendered page written into
   the collected static files, so both URLs return the same number of bytes.
3. gunicorn on a free loopback port; warm-up; then `wrk -t2 -c16 -d10s --latency` against
   the page and against the static file; a table with throughput, p50/p99 and the ratio.

Targets (issue 6): the page reaches ≥ 70 % of the static file's throughput, p99 ≤ 50 ms.
Exit status 0 when both are met, 1 when not (2 on a setup error).
Everything lives under var/bench/ and is recreated on each run; the cache is a file cache
there too (REDIS_URL is ignored unless BENCH_REDIS_URL is given), so a running `make run`
is not disturbed.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
STATIC_COPY = "bench/coverage-same-size.html"
TARGET_RATIO = 0.70
TARGET_P99_MS = 50.0


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


# --- Environment and database ----------------------------------------------------------------
def bench_database_url(suffix: str = "_bench") -> str | None:
    """The PostgreSQL URL a benchmark uses (DATABASE_URL's server, database
    `<name><suffix>`, one per benchmark), or None for SQLite under its var/ folder. Shared
    by every scripts/bench_*.py."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    parts = urlsplit(url)
    name = (parts.path.lstrip("/") or "yokoito") + suffix
    return urlunsplit(parts._replace(path="/" + name))


def recreate_postgres(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def bench_env(
    database_url: str | None, *, bench_dir: Path | None = None, **extra: str
) -> dict[str, str]:
    """Production settings for a benchmark run (generated SECRET_KEY, DEBUG off, no HTTPS
    redirect, mail to files under `bench_dir`), on `database_url` (None: SQLite there) and
    on BENCH_REDIS_URL when set. `extra` adds or overrides variables. Shared by every
    scripts/bench_*.py."""
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "YOKOITO_VAR_DIR": str(bench_dir or BENCH_DIR),
        "SECRET_KEY": secrets.token_urlsafe(60),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    redis = os.environ.get("BENCH_REDIS_URL", "")
    if redis:
        env["REDIS_URL"] = redis
    env.update(extra)
    return env


def seed_members(count: int, seed: int = 6) -> tuple[int, int]:
    """`count` approved members over about two thirds of the local governments, cities and
    prefectures more often than villages (like a real membership). Returns (members,
    covered local governments)."""
    from accounts.models import AffiliationType, User
    from municipalities.models import LocalGovernment

    rng = random.Random(seed)
    weight = {"prefecture": 8, "city": 6, "ward": 6, "town": 2, "village": 1}
    lgs = list(LocalGovernment.objects.order_by("code"))
    # Pick the covered ones (weighted, without replacement), then spread the members.
    keyed = sorted(lgs, key=lambda lg: rng.random() ** (1 / weight[lg.kind]), reverse=True)
    covered = keyed[: int(len(lgs) * 0.66)]
    members_weights = [weight[lg.kind] for lg in covered]
    assignment = list(covered) + rng.choices(covered, members_weights, k=count - len(covered))
    User.objects.filter(email__endswith="@bench.invalid").delete()
    User.objects.bulk_create(
        (
            User(
                email=f"member{i}@bench.invalid",
                password="!",  # unusable
                status=User.Status.APPROVED,
                affiliation_type=AffiliationType.LOCAL_GOVERNMENT,
                local_government=lg,
                full_name=f"ベンチ {i}",
            )
            for i, lg in enumerate(assignment)
        ),
        batch_size=2000,
    )
    return len(assignment), len({lg.pk for lg in assignment})


# --- gunicorn ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    env: dict[str, str], port: int, workers: int, threads: int, worker_class: str
) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    cmd = [
        str(gunicorn) if gunicorn.exists() else "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        # gunicorn turns a sync worker with more than one thread into gthread: only pass
        # threads (and keep-alive, which sync workers do not do) for gthread.
        *(("--threads", str(threads), "--keep-alive", "5") if worker_class == "gthread" else ()),
        "--log-level",
        "warning",
        "--error-logfile",
        str(BENCH_DIR / "gunicorn.log"),
    ]
    log(" ".join(cmd[1:]))
    return subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)  # the process group we started, by its id
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited ({proc.returncode}); see {BENCH_DIR}/gunicorn.log")
        try:
            fetch(url)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within {timeout:.0f} s")


# --- wrk -----------------------------------------------------------------------------------
@dataclass
class Result:
    label: str
    url: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    size: int


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    log("wrk is missing: apt-get install -y wrk")
    if os.geteuid() == 0:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    return wrk


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(
    wrk: str, label: str, url: str, *, threads: int, connections: int, duration: str, size: int
) -> Result:
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}", "--latency", url]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    (BENCH_DIR / f"wrk-{label.replace('/', '_')}.txt").write_text(" ".join(cmd) + "\n" + out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = int(bad.group(1)) if bad else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Result(label, url, rps, p50, p99, errors, size)


# --- main ----------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--duration", default="10s")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument(
        "--workers", type=int, default=3, help="gunicorn worker processes (as in the Dockerfile)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=8,
        help="threads per worker, with --worker-class gthread only",
    )
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"))
    parser.add_argument(
        "--rounds", type=int, default=3, help="measure each URL this often (medians are compared)"
    )
    args = parser.parse_args()

    wrk = ensure_wrk()
    shutil.rmtree(BENCH_DIR, ignore_errors=True)
    BENCH_DIR.mkdir(parents=True)
    database_url = bench_database_url()
    if database_url:
        log(f"database: PostgreSQL {urlsplit(database_url).path.lstrip('/')} (recreated)")
        recreate_postgres(database_url)
    else:
        os.environ.pop("DATABASE_URL", None)
        log(f"database: SQLite {BENCH_DIR / 'db.sqlite3'}")
    os.environ.pop("REDIS_URL", None)
    env = bench_env(database_url)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    members, covered = seed_members(args.members)
    log(
        f"seeded {members:,} approved members over {covered:,} local governments "
        f"({time.monotonic() - started:.1f} s)"
    )
    call_command("collectstatic", interactive=False, verbosity=0)

    # The page as gunicorn will serve it (same data version: the cache is shared), copied
    # into the collected static files so that both URLs send the same number of bytes.
    page = Client(HTTP_HOST="127.0.0.1").get("/coverage/")
    assert page.status_code == 200, page.status_code
    from django.conf import settings

    static_file = Path(settings.STATIC_ROOT) / STATIC_COPY
    static_file.parent.mkdir(parents=True, exist_ok=True)
    static_file.write_bytes(page.content)
    size = len(page.content)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    page_url, static_url = f"{base}/coverage/", f"{base}{settings.STATIC_URL}{STATIC_COPY}"
    server = start_gunicorn(env, port, args.workers, args.threads, args.worker_class)
    try:
        wait_ready(page_url, server)
        served = fetch(page_url)
        static_served = fetch(static_url)
        if len(served) != size or len(static_served) != size:
            raise SystemExit(
                f"sizes differ: page {len(served)}, static {len(static_served)}, expected {size}"
            )
        log(f"page and static file: {size:,} bytes each; warming up")
        for url in (page_url, static_url):
            subprocess.run([wrk, "-t2", "-c16", "-d2s", url], check=True, capture_output=True)
        results: list[Result] = []
        load_before = os.getloadavg()[0]
        for _ in range(args.rounds):
            for label, url in (("static", static_url), ("/coverage/", page_url)):
                results.append(
                    run_wrk(
                        wrk,
                        label,
                        url,
                        threads=args.wrk_threads,
                        connections=args.connections,
                        duration=args.duration,
                        size=size,
                    )
                )
    finally:
        stop(server)

    def median(values: list[float]) -> float:
        values = sorted(values)
        middle = len(values) // 2
        return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2

    static = [r for r in results if r.label == "static"]
    pages = [r for r in results if r.label != "static"]
    static_rps, page_rps = median([r.rps for r in static]), median([r.rps for r in pages])
    page_p99 = median([r.p99_ms for r in pages])
    ratio = page_rps / static_rps if static_rps else 0.0

    server_shape = (
        f"{args.workers}×{args.threads}" if args.worker_class == "gthread" else f"{args.workers}"
    )
    print()
    print(
        f"wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration} --latency; "
        f"gunicorn {args.worker_class} {server_shape}; {members:,} members; "
        f"{os.cpu_count()} CPUs; {'PostgreSQL' if database_url else 'SQLite'}; "
        f"load average before/after {load_before:.2f}/{os.getloadavg()[0]:.2f}"
    )
    print(f"{'URL':<22}{'bytes':>10}{'req/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for r in results:
        print(
            f"{r.label:<22}{r.size:>10,}{r.rps:>11,.1f}{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}"
            f"{r.errors:>8}"
        )
    if len(results) > 2:
        print(
            f"median of {args.rounds} rounds: static {static_rps:,.1f} req/s, "
            f"page {page_rps:,.1f} req/s, page p99 {page_p99:.2f} ms"
        )
    ok_ratio = ratio >= TARGET_RATIO
    ok_p99 = page_p99 <= TARGET_P99_MS
    errors = sum(r.errors for r in results)
    print(
        f"ratio page/static: {ratio:.0%} (target ≥ {TARGET_RATIO:.0%}) "
        f"{'PASS' if ok_ratio else 'FAIL'}"
    )
    print(
        f"page p99: {page_p99:.2f} ms (target ≤ {TARGET_P99_MS:.0f} ms) "
        f"{'PASS' if ok_p99 else 'FAIL'}"
    )
    if errors:
        print(f"errors: {errors} (non-2xx/3xx responses or socket errors)")
    print(f"raw wrk output: {BENCH_DIR}/wrk-*.txt")
    from bench_results import write

    write(
        "coverage",
        [
            {
                "label": "static file (same size)",
                "ratio": 1.0,
                "rps": static_rps,
                "p50": median([r.p50_ms for r in static]),
                "p99": median([r.p99_ms for r in static]),
                "passed": True,
            },
            {
                "label": "/coverage/ (anonymous)",
                "ratio": ratio,
                "rps": page_rps,
                "p50": median([r.p50_ms for r in pages]),
                "p99": page_p99,
                "passed": ok_ratio and ok_p99 and not errors,
                "target": f"≥ {TARGET_RATIO:.2f}×, p99 ≤ {TARGET_P99_MS:.0f} ms",
            },
        ],
        load=(load_before, os.getloadavg()[0]),
        header=f"wrk -c{args.connections}, gunicorn {args.worker_class} {server_shape}, "
        f"{'PostgreSQL' if database_url else 'SQLite'}",
    )
    return 0 if ok_ratio and ok_p99 and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
