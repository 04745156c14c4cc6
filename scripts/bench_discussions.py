#!/usr/bin/env python
"""`make bench-discussions`: a section's topic list and a topic page with 100,000 posts in
the section, signed in, beside /healthz in the same run (issue 12 §7).

1. A separate database: SQLite under var/bench-discussions/ (or, when DATABASE_URL is
   PostgreSQL, a database of that name with the suffix `_dbench`), recreated, migrated.
2. One section (法規課) with 200 members; 100,000 posts written with bulk_create: 4,985
   topics of 20 posts (an opening post and 19 replies) and one topic of 300 posts, over
   20 tags, a third of the questions solved; bodies rendered by core.markup like real
   posts. The benchmark's member belongs to the section.
3. Production settings (generated SECRET_KEY, DEBUG off, ALLOWED_HOSTS=127.0.0.1, HTTPS
   redirect off, file mail under var/bench-discussions/; the cache is a file cache there
   unless BENCH_REDIS_URL is given, as in production), collectstatic,
   one signed-in session; the query count of each page, in process.
4. gunicorn (4 sync workers by default) and `wrk -t2 -c8 -d10s --latency` with the session
   cookie; per round /healthz, the topic list and the topic page (the 300-post thread);
   p50/p95/p99 from wrk's latency histogram (a Lua `done` hook); medians over the rounds.

Target: topic list and topic page p95 ≤ 80 ms. Exit status 0 when met, 1 when not.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_coverage  # noqa: E402
from bench_coverage import (  # noqa: E402
    ensure_wrk,
    fetch,
    free_port,
    recreate_postgres,
    start_gunicorn,
    stop,
    wait_ready,
)

BENCH_DIR = ROOT / "var" / "bench-discussions"
bench_coverage.BENCH_DIR = BENCH_DIR  # its gunicorn helpers log there
TARGET_P95_MS = 80.0
TOPICS, POSTS_PER_TOPIC, BIG_THREAD = 4_985, 20, 300
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("LAT %d %d %d\\n", latency:percentile(50),
    latency:percentile(95), latency:percentile(99)))
end
"""
BODIES = [
    "条例案の附則について、**施行期日**の書き方を教えてください。\n周知期間が必要な場合の例はありますか。",
    "うちでは公布の日から起算して3月を経過した日から施行としました。\n- 周知の期間\n- 規則の整備",
    "参考になります。https://www.example.lg.jp/reiki/ に例規集があります。",
    "> 周知期間\n\nこれは住民に義務を課すかどうかで判断しています。",
    "検察庁との協議は半年前から始めました。構成要件を明確にするよう指摘がありました。",
]


def log(message: str) -> None:
    print(f"[bench-discussions] {message}", flush=True)


def bench_database_url() -> str | None:
    return bench_coverage.bench_database_url("_dbench")


def bench_env(database_url: str | None) -> dict[str, str]:
    return bench_coverage.bench_env(database_url, bench_dir=BENCH_DIR)


def seed(rng: random.Random):
    """The section, its members and 100,000 posts. Returns (section, member, big topic)."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import AffiliationType, User
    from core import markup
    from discussions.models import Post, Tag, Topic
    from municipalities.models import LocalGovernment
    from sections.models import Section, SectionMembership

    section = Section.objects.get(slug="houki")
    governments = list(LocalGovernment.objects.exclude(kind="prefecture").order_by("code"))
    people = User.objects.bulk_create(
        User(
            email=f"bench{i}@bench.invalid",
            password="!",
            status=User.Status.APPROVED,
            affiliation_type=AffiliationType.LOCAL_GOVERNMENT,
            local_government=rng.choice(governments),
            full_name=f"ベンチ 会員{i}",
        )
        for i in range(200)
    )
    SectionMembership.objects.bulk_create(
        SectionMembership(section=section, user=u, role="head" if i == 0 else "member")
        for i, u in enumerate(people)
    )
    rendered = [(body, markup.render(body)) for body in BODIES]
    tags = [Tag.objects.create(name=f"条例{i}") for i in range(20)]
    now = timezone.now()
    sizes = [POSTS_PER_TOPIC] * TOPICS + [BIG_THREAD]
    with transaction.atomic():
        topics = Topic.objects.bulk_create(
            Topic(
                section=section,
                kind="question" if i % 4 else "share",
                title=f"条例の起案について {i}（附則・施行期日・罰則）",
                author=people[i % len(people)],
                created_at=now - timedelta(minutes=3 * (len(sizes) - i)),
                last_activity_at=now - timedelta(minutes=2 * (len(sizes) - i)),
                reply_count=size - 1,
                last_number=size,
            )
            for i, size in enumerate(sizes)
        )
        batch: list[Post] = []
        for topic, size in zip(topics, sizes, strict=True):
            for number in range(1, size + 1):
                body, html = rendered[(topic.pk + number) % len(rendered)]
                batch.append(
                    Post(
                        topic=topic,
                        number=number,
                        author=people[(topic.pk * 7 + number) % len(people)],
                        body=body,
                        body_html=html,
                        created_at=topic.created_at + timedelta(minutes=number),
                    )
                )
            if len(batch) >= 10_000:
                Post.objects.bulk_create(batch, batch_size=2_000)
                batch = []
        Post.objects.bulk_create(batch, batch_size=2_000)
        through = Topic.tags.through
        through.objects.bulk_create(
            (
                through(topic_id=t.pk, tag_id=tags[(t.pk + k) % 20].pk)
                for t in topics
                for k in (0, 7)
            ),
            batch_size=5_000,
        )
        # A third of the questions solved (reply number 2 accepted).
        solved = [t.pk for t in topics if t.kind == "question" and t.pk % 3 == 0]
        answers = dict(
            Post.objects.filter(topic_id__in=solved, number=2).values_list("topic_id", "pk")
        )
        for topic in topics:
            if topic.pk in answers:
                topic.answer_id = answers[topic.pk]
                topic.answered_at = now
        Topic.objects.bulk_update([t for t in topics if t.pk in answers], ["answer", "answered_at"])
    assert Post.objects.filter(topic__section=section).count() == 100_000
    return section, people[1], topics[-1]


@dataclass
class Result:
    label: str
    rps: float
    p50: float
    p95: float
    p99: float
    errors: int


def run_wrk(wrk: str, label: str, url: str, cookie: str, args) -> Result:
    script = BENCH_DIR / "latency.lua"
    cmd = [wrk, f"-t{args.wrk_threads}", f"-c{args.connections}", f"-d{args.duration}",
           "--latency", "-s", str(script), "-H", f"Cookie: {cookie}", url]  # fmt: skip
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    (BENCH_DIR / f"wrk-{label.strip('/').replace('/', '_') or 'root'}.txt").open("a").write(
        " ".join(cmd[:-3]) + " -H 'Cookie: …' " + url + "\n" + out + "\n"
    )
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50, p95, p99 = (int(v) / 1000 for v in re.search(r"LAT (\d+) (\d+) (\d+)", out).groups())
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (sum(map(int, sock.groups())) if sock else 0)
    return Result(label, rps, p50, p95, p99, errors)


def median(values: list[float]) -> float:
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", default="10s")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    wrk = ensure_wrk()
    shutil.rmtree(BENCH_DIR, ignore_errors=True)
    BENCH_DIR.mkdir(parents=True)
    (BENCH_DIR / "latency.lua").write_text(LUA)
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

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    log(f"migrated ({time.monotonic() - started:.1f} s)")
    started = time.monotonic()
    section, member, big = seed(random.Random(12))
    log(f"seeded 100,000 posts in {section.name} ({time.monotonic() - started:.1f} s)")
    # Fresh planner statistics, as autovacuum (PostgreSQL) keeps them on a live database:
    # without them the planner took 6,000 bulk-inserted topics for 11 and the list's
    # query cost 31 ms instead of 2 ms.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    call_command("collectstatic", interactive=False, verbosity=0)

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(member)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    paths = {
        "/healthz": "/healthz",
        "topic list": reverse("discussions:topics", args=[section.slug]),
        "topic page": big.get_absolute_url(),
    }
    queries = {}
    for label, path in paths.items():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        queries[label] = len(ctx.captured_queries)
    connection.close()
    log("queries per request: " + ", ".join(f"{k} {v}" for k, v in queries.items()))

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(env, port, args.workers, args.threads, args.worker_class)
    results: list[Result] = []
    try:
        wait_ready(base + "/healthz", server)
        fetch(base + "/healthz")
        log("warming up")
        for path in paths.values():
            subprocess.run(
                [wrk, "-t1", "-c4", "-d2s", "-H", f"Cookie: {cookie}", base + path],
                check=True,
                capture_output=True,
            )
        load_before = os.getloadavg()[0]
        for _ in range(args.rounds):
            for label, path in paths.items():
                results.append(run_wrk(wrk, label, base + path, cookie, args))
    finally:
        stop(server)

    shape = (
        f"{args.workers}×{args.threads}" if args.worker_class == "gthread" else str(args.workers)
    )
    print()
    print(
        f"wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration} --latency (signed in); "
        f"gunicorn {args.worker_class} {shape}; 100,000 posts in one section; "
        f"{os.cpu_count()} CPUs; {'PostgreSQL' if database_url else 'SQLite'}; "
        f"load average before/after {load_before:.2f}/{os.getloadavg()[0]:.2f}"
    )
    header = ("URL", "queries", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors")
    print(f"{header[0]:<14}{header[1]:>8}{header[2]:>10}" + "".join(f"{h:>9}" for h in header[3:]))
    for r in results:
        print(
            f"{r.label:<14}{queries[r.label]:>8}{r.rps:>10,.1f}{r.p50:>9.1f}{r.p95:>9.1f}"
            f"{r.p99:>9.1f}{r.errors:>8}"
        )
    ok = True
    health = median([r.rps for r in results if r.label == "/healthz"])
    for label in ("topic list", "topic page"):
        mine = [r for r in results if r.label == label]
        p95 = median([r.p95 for r in mine])
        rps = median([r.rps for r in mine])
        passed = p95 <= TARGET_P95_MS and not any(r.errors for r in mine)
        ok &= passed
        print(
            f"{label}: p95 {p95:.1f} ms (target ≤ {TARGET_P95_MS:.0f} ms), {rps:,.1f} req/s "
            f"= {rps / health:.0%} of /healthz ({health:,.1f} req/s) {'PASS' if passed else 'FAIL'}"
        )
    print(f"raw wrk output: {BENCH_DIR}/wrk-*.txt")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
