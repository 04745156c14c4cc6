#!/usr/bin/env python
"""`make bench-pages`: the member pages at 20,000 members, beside /healthz, and the RSVP
contention run (issue 18, items 1 and 4).

1. PostgreSQL only (DATABASE_URL's server; database `<name>_pages`, recreated unless
   `--reuse`): migrate, then `manage.py bench_dataset` (20,001 members, 61 sections,
   2,000 meetings, 732 episodes, 200 trainings, 100,100 registrations).
2. Production settings (generated SECRET_KEY, DEBUG off, file mail, file cache under
   var/bench-pages/), collectstatic, one signed-in session for the benchmark's member
   (head of the 3,000-member section).
3. Query counts per page, in process (Django's test client, signed in).
4. gunicorn (4 sync workers by default) and `wrk -t2 -c8 -d10s` with the session cookie:
   per round, /healthz and then every page; ratios are against that round's /healthz;
   medians over the rounds. p50/p95/p99 from wrk's latency histogram (a Lua `done` hook).
5. Contention: 500 members POST 「参加」 at once over HTTP to one 100-seat meeting, and the
   same 500 POSTs spread over 500 meetings; checks exactly 100 going, 400 waitlisted in
   order, no duplicate and no error, and compares the wall times.

Targets: every page ≥ 0.5× /healthz, p95 ≤ 80 ms, ≤ 12 queries; contended ≤ 1.3× the
uncontended run. Exit status 1 when one is missed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_coverage  # noqa: E402
from bench_coverage import ensure_wrk, free_port, recreate_postgres, stop  # noqa: E402

BENCH_DIR = ROOT / "var" / "bench-pages"
TARGET_RATIO = 0.5
TARGET_P95_MS = 80.0
TARGET_QUERIES = 12
TARGET_CONTENTION = 1.3
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("LAT %d %d %d\\n", latency:percentile(50),
    latency:percentile(95), latency:percentile(99)))
end
"""


def log(message: str) -> None:
    print(f"[bench-pages] {message}", flush=True)


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench-pages needs PostgreSQL: set DATABASE_URL=postgres://…")
    parts = urlsplit(url)
    name = (parts.path.lstrip("/") or "yokoito") + "_pages"
    return urlunsplit(parts._replace(path="/" + name))


def bench_env(url: str) -> dict[str, str]:
    return bench_coverage.bench_env(url, bench_dir=BENCH_DIR, ADMIN_REQUIRES_MFA="false")


def start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    cmd = [
        str(gunicorn) if gunicorn.exists() else "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--backlog",
        "2048",
        "--log-level",
        "warning",
        "--error-logfile",
        str(BENCH_DIR / "gunicorn.log"),
    ]
    log(" ".join(cmd[1:]))
    return subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, start_new_session=True)


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {BENCH_DIR}/gunicorn.log")
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer")


@dataclass
class Result:
    label: str
    rps: float
    p50: float
    p95: float
    p99: float
    errors: int


def run_wrk(wrk: str, label: str, url: str, cookie: str, *, connections: int, duration: str):
    script = BENCH_DIR / "latency.lua"
    cmd = [wrk, "-t2", f"-c{connections}", f"-d{duration}", "-s", str(script)]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    cmd.append(url)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    safe = re.sub(r"\W+", "_", label).strip("_") or "root"
    (BENCH_DIR / f"wrk-{safe}.txt").write_text(" ".join(cmd) + "\n" + out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50, p95, p99 = (int(v) / 1000 for v in re.search(r"LAT (\d+) (\d+) (\d+)", out).groups())
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock:
        errors += sum(int(n) for n in sock.groups())
    return Result(label, rps, p50, p95, p99, errors)


def median(values: list[float]) -> float:
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def pages() -> tuple[object, list[tuple[str, str]]]:
    """The signed-in member and the pages to measure (label, path)."""
    from portal.management.commands.bench_dataset import member_pages

    return member_pages()


def sign_in(user) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "accounts.backends.MemberModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def query_counts(user, paths: list[tuple[str, str]]) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    counts = {}
    for label, path in paths:
        client.get(path)  # warm caches the way a repeat visit finds them
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        counts[label] = len(ctx.captured_queries)
    return counts


def contention(base: str, seats: int = 100, people: int = 500, rounds: int = 3) -> dict:
    """500 signed-in members POST 「参加」 at once to one meeting, then to 500 meetings;
    `rounds` times, alternating; medians of the wall times."""
    from django.db.models import Count
    from django.utils import timezone

    from accounts.models import User
    from events.models import Event, Registration
    from sections.models import Meeting, Section

    section = Section.objects.order_by("id").first()
    starts = (timezone.now() + timezone.timedelta(days=30)).replace(microsecond=0)

    def meeting(capacity: int | None) -> Event:
        event = Event.objects.create(
            kind="section_meeting",
            title="競合テスト",
            starts_at=starts,
            ends_at=starts + timezone.timedelta(hours=1),
            capacity=capacity,
            join_url="https://meet.example.jp/c",
        )
        Meeting.objects.create(section=section, event=event, audience=Meeting.Audience.ALL)
        return event

    users = list(User.objects.filter(email__startswith="bench1").order_by("id")[:people])
    cookies = [sign_in(user) for user in users]

    def post(args: tuple[int, str]) -> int:
        event_id, cookie = args
        token = secrets.token_hex(16)
        request = urllib.request.Request(
            f"{base}/events/{event_id}/rsvp/",
            data=urllib.parse.urlencode({"action": "going"}).encode(),
            headers={
                "Cookie": f"{cookie}; csrftoken={token}",
                "X-CSRFToken": token,
                "HX-Request": "true",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def run(jobs: list[tuple[int, str]]) -> tuple[float, list[int]]:
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            started = time.monotonic()
            statuses = list(pool.map(post, jobs))
            return time.monotonic() - started, statuses

    contended_times, spread_times = [], []
    goings: list[int] = []
    waitings: list[int] = []
    duplicates = errors = 0
    ordered = True
    for _ in range(rounds):  # alternating, so that both see the same machine
        shared = meeting(seats)
        contended, statuses = run([(shared.pk, cookie) for cookie in cookies])
        spread_events = [meeting(None) for _ in cookies]
        spread, spread_statuses = run(
            [(event.pk, cookie) for event, cookie in zip(spread_events, cookies, strict=True)]
        )
        contended_times.append(contended)
        spread_times.append(spread)
        rows = Registration.objects.filter(event=shared)
        by_status = dict(rows.values_list("status").annotate(n=Count("pk")))
        goings.append(by_status.get("going", 0))
        waitings.append(by_status.get("waitlisted", 0))
        duplicates += rows.values("user").annotate(n=Count("pk")).filter(n__gt=1).count()
        seqs = sorted(rows.filter(status="waitlisted").values_list("waitlist_seq", flat=True))
        ordered = ordered and seqs == list(range(1, people - seats + 1))
        errors += sum(s != 200 for s in statuses) + sum(s != 200 for s in spread_statuses)
    return {
        "contended_s": median(contended_times),
        "spread_s": median(spread_times),
        "rounds": f"{', '.join(f'{t:.1f}' for t in contended_times)} s vs "
        f"{', '.join(f'{t:.1f}' for t in spread_times)} s",
        # The worst round counts: every round must settle exactly.
        "going": next((g for g in goings if g != seats), seats),
        "waitlisted": next((w for w in waitings if w != people - seats), people - seats),
        "duplicates": duplicates,
        "errors": errors,
        "ordered": ordered,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reuse", action="store_true", help="keep an existing _pages database")
    parser.add_argument("--duration", default="10s")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--skip-contention", action="store_true")
    parser.add_argument("--contention-rounds", type=int, default=3)
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    wrk = ensure_wrk()
    url = database_url()
    if not args.reuse:
        log(f"database {urlsplit(url).path.lstrip('/')} (recreated)")
        recreate_postgres(url)
    shutil.rmtree(BENCH_DIR, ignore_errors=True)
    BENCH_DIR.mkdir(parents=True)
    (BENCH_DIR / "latency.lua").write_text(LUA)
    os.environ.pop("REDIS_URL", None)
    env = bench_env(url)
    os.environ.update(env)

    import django

    django.setup()
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("bench_dataset")
    call_command("collectstatic", interactive=False, verbosity=0)
    log(f"dataset ready in {time.monotonic() - started:.0f} s")
    head, paths = pages()
    counts = query_counts(head, paths)
    cookie = sign_in(head)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(env, port, args.workers)
    results: list[tuple[int, Result]] = []
    try:
        wait_ready(f"{base}/healthz", server)
        for _, path in paths:  # warm every worker's caches
            subprocess.run(
                [wrk, "-t1", "-c4", "-d1s", "-H", f"Cookie: {cookie}", base + path],
                check=True,
                capture_output=True,
            )
        for round_no in range(args.rounds):
            results.append(
                (
                    round_no,
                    run_wrk(
                        wrk,
                        "/healthz",
                        f"{base}/healthz",
                        cookie,
                        connections=args.connections,
                        duration=args.duration,
                    ),
                )
            )
            for label, path in paths:
                results.append(
                    (
                        round_no,
                        run_wrk(
                            wrk,
                            label,
                            base + path,
                            cookie,
                            connections=args.connections,
                            duration=args.duration,
                        ),
                    )
                )
        contention_result = (
            None if args.skip_contention else contention(base, rounds=args.contention_rounds)
        )
    finally:
        stop(server)

    healthz = {n: r.rps for n, r in results if r.label == "/healthz"}
    load_after = os.getloadavg()[0]
    header = (
        f"wrk -t2 -c{args.connections} -d{args.duration}, signed in; gunicorn {args.workers} "
        f"sync workers; PostgreSQL; {os.cpu_count()} CPUs; medians of {args.rounds} rounds"
    )
    print()
    print(f"{header}; load average {load_before:.2f} → {load_after:.2f}")
    table: list[dict] = []
    header = (
        f"{'page':<30}{'× healthz':>10}{'req/s':>9}{'p50':>8}{'p95':>8}{'p99':>8}{'queries':>9}"
    )
    print(header)
    ok = True
    labels = ["/healthz"] + [label for label, _ in paths]
    for label in labels:
        rows = [(n, r) for n, r in results if r.label == label]
        ratio = median([r.rps / healthz[n] for n, r in rows])
        p95 = median([r.p95 for _, r in rows])
        queries = counts.get(label)
        errors = sum(r.errors for _, r in rows)
        passed = label == "/healthz" or (
            ratio >= TARGET_RATIO
            and p95 <= TARGET_P95_MS
            and (queries or 0) <= TARGET_QUERIES
            and not errors
        )
        ok = ok and passed
        table.append(
            {
                "label": label,
                "ratio": ratio,
                "rps": median([r.rps for _, r in rows]),
                "p50": median([r.p50 for _, r in rows]),
                "p95": p95,
                "p99": median([r.p99 for _, r in rows]),
                "queries": queries,
                "passed": passed,
                "target": "" if label == "/healthz" else "≥ 0.5×, p95 ≤ 80, ≤ 12 q",
                "note": f"errors {errors}" if errors else "",
            }
        )
        print(
            f"{label:<30}{ratio:>10.2f}{median([r.rps for _, r in rows]):>9.0f}"
            f"{median([r.p50 for _, r in rows]):>8.1f}{p95:>8.1f}"
            f"{median([r.p99 for _, r in rows]):>8.1f}{'' if queries is None else queries:>9}"
            f"{'' if passed else '  FAIL'}{f'  errors {errors}' if errors else ''}"
        )
    print(
        f"targets: ≥ {TARGET_RATIO}× /healthz, p95 ≤ {TARGET_P95_MS:.0f} ms, "
        f"≤ {TARGET_QUERIES} queries"
    )
    if contention_result:
        c = contention_result
        factor = c["contended_s"] / c["spread_s"] if c["spread_s"] else 0
        right = (
            c["going"] == 100 and c["waitlisted"] == 400 and not c["duplicates"] and c["ordered"]
        )
        passed = right and not c["errors"] and factor <= TARGET_CONTENTION
        ok = ok and passed
        print(
            f"contention: 500 POSTs to one 100-seat meeting {c['contended_s']:.2f} s, "
            f"spread over 500 meetings {c['spread_s']:.2f} s → {factor:.2f}× "
            f"(target ≤ {TARGET_CONTENTION}); going {c['going']}, waitlisted {c['waitlisted']}, "
            f"duplicates {c['duplicates']}, errors {c['errors']}, waitlist in order "
            f"{c['ordered']} {'PASS' if passed else 'FAIL'}"
        )
        print(f"contention rounds (one meeting vs spread): {c['rounds']}")
        table.append(
            {
                "label": "RSVP: 500 POSTs over 500 meetings",
                "ratio": 1.0,
                "p50": c["spread_s"] * 1000,
                "passed": not c["errors"],
                "note": "wall time of all 500 (the reference)",
            }
        )
        table.append(
            {
                "label": "RSVP: 500 POSTs, one 100-seat mtg",
                "ratio": factor,
                "p50": c["contended_s"] * 1000,
                "passed": passed,
                "target": f"≤ {TARGET_CONTENTION}×, 100 going + 400 waitlisted",
                "note": f"going {c['going']}, waitlisted {c['waitlisted']}, "
                f"duplicates {c['duplicates']}, errors {c['errors']}",
            }
        )
    print(f"raw wrk output: {BENCH_DIR}/wrk-*.txt")
    from bench_results import write

    write("pages", table, load=(load_before, os.getloadavg()[0]), header=header)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
