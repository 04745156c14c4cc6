#!/usr/bin/env python
"""`make bench-mail`: the reminder scans and mail delivery at scale (issue 18, items 2–3).

1. PostgreSQL only (DATABASE_URL's server; database `<name>_mail`, recreated unless
   `--reuse`): migrate, `manage.py bench_dataset` (20,001 members, 100,100 registrations,
   …) and `manage.py bench_mail_dataset` (one meeting 12 h ahead with 10,000 going
   registrations; 10,000 members following a programme in reminder mode and another in
   digest mode). Production settings, file mail under var/bench-mail/.
2. In process, each timed with its query count:
   - the events reminder scan once to queue what the random dataset has due (then sent
     in-process, untimed), then **scan-10k-due** (the meeting's 10,000 reminders),
     then **scan-nothing-due** (3 runs, median), with every registration's key existing;
   - the broadcast reminder scan and the digest scan: 10,000 due each, then nothing due.
3. **deliver-10k**: a real Celery worker (`--pool=solo`, one process) on Redis
   (REDIS_URL) sends the 10,000 meeting reminders, batch after batch over one connection
   each (OUTBOX_BATCH_SIZE, file backend); timed from the first task to the last row sent,
   and checked: each row sent once (one Message-ID per row in the mail files).

Targets: nothing due ≤ 1 s, 10,000 due ≤ 5 s, delivery of 10,000 ≤ 60 s. Exit status 1
when one is missed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_coverage  # noqa: E402
from bench_coverage import recreate_postgres  # noqa: E402

BENCH_DIR = ROOT / "var" / "bench-mail"
TARGETS = {"nothing": 1.0, "due": 5.0, "deliver": 60.0}


def log(message: str) -> None:
    print(f"[bench-mail] {message}", flush=True)


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench-mail needs PostgreSQL: set DATABASE_URL=postgres://…")
    parts = urlsplit(url)
    name = (parts.path.lstrip("/") or "yokoito") + "_mail"
    return urlunsplit(parts._replace(path="/" + name))


def bench_env(url: str, redis_url: str) -> dict[str, str]:
    env = bench_coverage.bench_env(url, bench_dir=BENCH_DIR, REDIS_URL=redis_url)
    if os.environ.get("BENCH_SECRET_KEY"):
        env["SECRET_KEY"] = os.environ["BENCH_SECRET_KEY"]
    return env


def manage(env: dict[str, str], *args: str) -> None:
    started = time.monotonic()
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**os.environ, **env},
                   check=True)  # fmt: skip
    log(f"manage.py {' '.join(args)}: {time.monotonic() - started:.1f} s")


def timed(fn, **kwargs):
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        result = fn(**kwargs)
        seconds = time.perf_counter() - started
    return result, seconds, len(ctx.captured_queries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="keep the database if it exists")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    redis_url = os.environ.get("REDIS_URL") or os.environ.get("BENCH_REDIS_URL")
    if not redis_url:
        raise SystemExit("bench-mail needs Redis for the worker: set REDIS_URL=redis://…")
    url = database_url()
    if (BENCH_DIR / "mail").exists():
        shutil.rmtree(BENCH_DIR / "mail")
    (BENCH_DIR / "mail").mkdir(parents=True)
    env = bench_env(url, redis_url)
    if not args.reuse:
        log(f"recreating {urlsplit(url).path.lstrip('/')}")
        recreate_postgres(url)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "bench_dataset")
    manage(env, "bench_mail_dataset")

    os.environ.update(env)
    import django

    django.setup()
    import datetime as dt

    from django.utils import timezone

    from broadcasts.models import Episode
    from broadcasts.services import digests_send
    from broadcasts.services import reminders_send as broadcast_reminders_send
    from core.jst import JST
    from events.models import Registration
    from events.services import reminders_send_due
    from outbox.models import OutgoingMail
    from outbox.services import mails_deliver_due

    rows: list[tuple[str, str, float, int, str]] = []
    failures: list[str] = []

    def record(label, count, seconds, queries, target):
        ok = seconds <= target
        rows.append((label, f"{count:,}", seconds, queries, f"≤ {target:g} s {'✓' if ok else '✗'}"))
        log(f"{label}: {count:,} in {seconds:.2f} s, {queries} queries")
        if not ok:
            failures.append(label)

    from django.db import connection

    from broadcasts.models import Notice

    # A clean slate of mail (with --reuse, the rows of an earlier run), and fresh
    # statistics, as autovacuum would have them on a database that has been running.
    OutgoingMail.objects.all().delete()
    Notice.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    registrations = Registration.objects.count()
    log(f"registrations: {registrations:,}")
    now = timezone.now()
    queued, seconds, _q = timed(reminders_send_due, now=now)
    log(f"first events scan (the random dataset's due reminders): {queued:,} in {seconds:.2f} s")
    # Only the bench meeting's 10,000 are to be due in the timed scan: drop its rows from the
    # first scan, and send the random dataset's out of the way (in-process, untimed).
    OutgoingMail.objects.filter(
        template="events_reminder", status="queued", context__event_title="ベンチ リマインダー会"
    ).delete()
    mails_deliver_due(budget_seconds=600)
    OutgoingMail.objects.filter(status="queued").delete()
    queued, seconds, queries = timed(reminders_send_due, now=timezone.now())
    record("events: scan, 10,000 due", queued, seconds, queries, TARGETS["due"])
    nothing = [timed(reminders_send_due, now=timezone.now()) for _ in range(args.rounds)]
    assert all(result == 0 for result, _s, _q in nothing)
    median = statistics.median(s for _r, s, _q in nothing)
    label = f"events: scan, nothing due ({registrations:,} registrations)"
    record(label, 0, median, nothing[0][2], TARGETS["nothing"])

    # Deliver the 10,000 with one real worker.
    due_ids = set(
        OutgoingMail.objects.filter(template="events_reminder", status="queued").values_list(
            "pk", flat=True
        )
    )
    sys.path.insert(0, str(ROOT))
    from celery import Celery

    from tests.workers import celery_worker

    queue = f"bench-mail-{os.getpid()}"
    client = Celery(broker=redis_url)
    with celery_worker(
        queue=queue, env={**env, "DJANGO_SETTINGS_MODULE": env["DJANGO_SETTINGS_MODULE"]}
    ):
        time.sleep(3)  # let the worker start before the clock does
        started = time.perf_counter()
        client.send_task("outbox.tasks.outbox_deliver", queue=queue)
        deadline = time.monotonic() + 600
        left = len(due_ids)
        while left and time.monotonic() < deadline:
            time.sleep(0.2)
            left = OutgoingMail.objects.filter(pk__in=due_ids, status="queued").count()
        seconds = time.perf_counter() - started
    client.close()
    msgids = Counter()
    for path in (BENCH_DIR / "mail").glob("*.log"):
        msgids.update(re.findall(rb"^Message-ID: (<outbox\.\d+\.)", path.read_bytes(), re.M))
    sent = OutgoingMail.objects.filter(pk__in=due_ids, status="sent").count()
    batch = os.environ.get("OUTBOX_BATCH_SIZE", "200")
    label = f"deliver {len(due_ids):,} (1 worker, batches of {batch})"
    record(label, sent, seconds, 0, TARGETS["deliver"])
    if sent != len(due_ids) or (msgids and max(msgids.values()) > 1):
        failures.append("exactly once")
        log(f"sent {sent} of {len(due_ids)}; most repeated {msgids.most_common(1)}")

    # Broadcasts: today's 22:00 episode of programme 0 (reminders), programme 1 (digests).
    today = timezone.localdate()
    episode = Episode.objects.get(programme__slug="bench-programme-0", air_date=today)
    at = episode.starts_at - dt.timedelta(minutes=20)
    for label, fn, when in [
        ("broadcasts: reminder scan", broadcast_reminders_send, at),
        ("broadcasts: digest scan", digests_send,
         dt.datetime.combine(today, dt.time(8, 0), tzinfo=JST)),
    ]:  # fmt: skip
        queued, seconds, queries = timed(fn, now=when)
        record(f"{label}, 10,000 due", queued, seconds, queries, TARGETS["due"])
        again = [timed(fn, now=when + dt.timedelta(minutes=1)) for _ in range(args.rounds)]
        median = statistics.median(s for _r, s, _q in again)
        record(f"{label}, nothing due", again[0][0], median, again[0][2], TARGETS["nothing"])

    print()
    print("| run | rows | seconds | queries | target |")
    print("| --- | ---: | ---: | ---: | --- |")
    for label, count, seconds, queries, target in rows:
        print(f"| {label} | {count} | {seconds:.2f} | {queries or '—'} | {target} |")
    if failures:
        log(f"missed: {', '.join(failures)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
