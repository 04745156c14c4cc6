#!/usr/bin/env python
"""`make bench-notifications`: the weekly digest for 20,000 members who each watch 5
sections, built and queued in the outbox by one worker process (issue 14).

1. A separate database: SQLite under var/bench-notifications/ (or, when DATABASE_URL is
   PostgreSQL, a database of that name with the suffix `_nbench`), recreated, migrated.
2. 20,000 approved members; 100 sections; each member joined 5 of them (新しい話題のみ,
   100,000 levels); last week every section had 4 new topics and 30 replies (bulk_create).
3. The Celery task's body (`notifications.services.digests_send`) runs in this one process, as a
   worker with `--pool=solo` would run it: it scans, builds and writes every digest to the
   outbox (with its dedupe key and headers) and queues each mail on the broker (kombu's
   filesystem transport here: one message file per mail). Timed from the start of the
   task to the last commit; then a second run shows the exactly-once guard (0 sent).

Target: ≤ 300 s. Exit status 0 when met, 1 when not. `--members N` for a smaller run.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

BENCH_DIR = ROOT / "var" / "bench-notifications"
TARGET_SECONDS = 300.0
SECTIONS, WATCHED, TOPICS_PER_SECTION, REPLIES_PER_SECTION = 100, 5, 4, 30


def log(message: str) -> None:
    print(f"[bench-notifications] {message}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=20_000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    shutil.rmtree(BENCH_DIR, ignore_errors=True)
    BENCH_DIR.mkdir(parents=True)
    if url.startswith(("postgres://", "postgresql://")):
        from bench_coverage import recreate_postgres

        parts = urlsplit(url)
        name = (parts.path.lstrip("/") or "yokoito") + "_nbench"
        url = urlunsplit(parts._replace(path="/" + name))
        recreate_postgres(url)
        os.environ["DATABASE_URL"] = url
        log(f"PostgreSQL database {name}")
    else:
        os.environ.pop("DATABASE_URL", None)
        log("SQLite under var/bench-notifications/")
    os.environ["YOKOITO_VAR_DIR"] = str(BENCH_DIR)
    for folder in ("queue", "processed", "control"):  # kombu's filesystem transport
        (BENCH_DIR / "celery" / folder).mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ.pop("REDIS_URL", None)
    os.environ["SITE_URL"] = "https://yokoito.example"
    os.environ["DEBUG"] = "0"  # cached templates, no query log, as a production worker

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    seed(args.members)

    from django.db import connection

    from notifications import services
    from outbox.models import OutgoingMail

    log(f"database: {connection.vendor}")
    monday = datetime(2026, 12, 7, 8, 0, tzinfo=services.JST)
    # The task's body (notifications.tasks.digests_send calls exactly this), with the
    # clock passed in: Monday 8:00 JST, an hour after the weekly digest fell due.
    started = time.perf_counter()
    sent = services.digests_send(now=monday).sent
    elapsed = time.perf_counter() - started
    again = services.digests_send(now=monday + timedelta(minutes=15)).sent
    queued = OutgoingMail.objects.filter(template="notifications_digest").count()
    broker = BENCH_DIR / "celery" / "queue"
    messages = len(list(broker.glob("*"))) if broker.exists() else 0
    log(
        f"{args.members:,} members × {WATCHED} sections: {sent:,} digests built and queued "
        f"in {elapsed:.1f} s ({sent / elapsed:.0f}/s); outbox rows {queued:,}, broker "
        f"messages {messages:,}; second run sent {again}"
    )
    ok = elapsed <= TARGET_SECONDS and sent == queued == args.members and again == 0
    log(f"target ≤ {TARGET_SECONDS:.0f} s: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


def seed(members: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from accounts.models import User
    from discussions.models import Post, Topic
    from notifications.models import Watch
    from sections.models import Department, Section, SectionMembership

    started = time.perf_counter()
    rng = random.Random(14)
    password = make_password(None)
    now = datetime(2026, 12, 7, 8, 0).astimezone()
    with transaction.atomic():
        department = Department.objects.create(name="ベンチ部", slug="bench")
        sections = Section.objects.bulk_create(
            [
                Section(department=department, name=f"ベンチ課{i:03d}", slug=f"bench-{i:03d}")
                for i in range(SECTIONS)
            ]
        )
        users = User.objects.bulk_create(
            [
                User(
                    email=f"member{i:05d}@bench.lg.jp",
                    full_name=f"会員 {i:05d}",
                    status=User.Status.APPROVED,
                    password=password,
                )
                for i in range(members)
            ],
            batch_size=2000,
        )
        memberships, watches = [], []
        for user in users:
            for section in rng.sample(sections, WATCHED):
                memberships.append(SectionMembership(section=section, user=user, role="member"))
                watches.append(
                    Watch(user=user, channel=f"section:{section.pk}", level="new_topics")
                )
        SectionMembership.objects.bulk_create(memberships, batch_size=5000)
        Watch.objects.bulk_create(watches, batch_size=5000)
        topics = []
        for section in sections:
            for t in range(TOPICS_PER_SECTION):
                when = now - timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 20))
                topics.append(
                    Topic(
                        section=section,
                        kind="question",
                        title=f"{section.name}の話題{t}：条例の附則の書き方",
                        author=users[rng.randrange(len(users))],
                        created_at=when,
                        last_activity_at=when,
                    )
                )
        topics = Topic.objects.bulk_create(topics, batch_size=2000)
        posts = []
        for topic in topics:
            posts.append(Post(topic=topic, number=1, author=topic.author, body="本文",
                              created_at=topic.created_at))  # fmt: skip
        by_section: dict[int, list] = {}
        for topic in topics:
            by_section.setdefault(topic.section_id, []).append(topic)
        for section in sections:
            for r in range(REPLIES_PER_SECTION):
                topic = rng.choice(by_section[section.pk])
                topic.last_number += 1
                when = topic.created_at + timedelta(hours=1 + r)
                author = users[rng.randrange(len(users))]
                posts.append(
                    Post(topic=topic, number=topic.last_number, body="返信", author=author,
                         created_at=when)
                )  # fmt: skip
        Post.objects.bulk_create(posts, batch_size=5000)
    log(
        f"seeded {members:,} members, {len(watches):,} levels, {len(topics):,} topics, "
        f"{len(posts):,} posts in {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    sys.exit(main())
