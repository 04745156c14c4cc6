#!/usr/bin/env python
"""`make bench-renewal`: a simulated April of 年度更新 with 20,000 members (issue 16).

1. A separate database: SQLite under var/bench-renewal/ (or, when DATABASE_URL is
   PostgreSQL, a database of that name with the suffix `_rbench`), recreated, migrated.
   Production settings (DEBUG off, file mail, the file cache and Celery's filesystem
   broker under var/bench-renewal/ unless BENCH_REDIS_URL is given): every reminder is an
   outbox row written and a send task published, as in production.
2. 20,000 approved members over 1,700 local governments, approved a year before; 300 of
   them hold a seat at one of 30 future meetings.
3. The FY2026 cycle with the default dates (opens 3月15日, due 4月30日, grace 5月31日). The
   scan (`renewals.services.renewals_scan`, what the beat runs) is called at 09:00 JST
   each day from 3月15日 to 6月1日, except a week of beat downtime (4月28日〜5月4日, so
   the due-date reminder of 4月30日 is sent late, once, and nothing missed is sent twice).
   The scan runs twice on each day (the beat's next tick), the second must send nothing.
4. 80% of the members confirm over the first 4 weeks (3月16日〜4月12日, evenly): 90%
   変更なし, 8% 同じ団体内で異動, 2% 別の団体へ異動 (they open the link; half are on a
   trusted domain of the new body, the others are verified by staff a day later).
   The other 20% never answer and lapse on 6月1日.

Checks (exit 1 if any fails): the opening scan (20,000 reminders) ≤ 60 s; each reminder
exactly once (no duplicate per member and kind; one outbox row per reminder; no reminder
to anyone after they confirmed; the reminders of each kind went to exactly the members
still unconfirmed on its day, the due-date one on 5月5日); states (16,000 confirmed, 4,000
lapsed, users 確認待ち = 4,000, no seat left to a lapsed member); coverage equals a
recomputation from the members' final affiliations; the basis reads 「2026年度の確認済み会員」.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import shutil
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_coverage  # noqa: E402
from bench_coverage import recreate_postgres  # noqa: E402

BENCH_DIR = ROOT / "var" / "bench-renewal"
MEMBERS = 20_000
SCAN_LIMIT_S = 60.0
DOWN = (dt.date(2026, 4, 28), dt.date(2026, 5, 4))  # the beat's week off


def log(message: str) -> None:
    print(f"[bench-renewal] {message}", flush=True)


def bench_database_url() -> str | None:
    return bench_coverage.bench_database_url("_rbench")


def bench_env(database_url: str | None) -> dict[str, str]:
    return bench_coverage.bench_env(database_url, bench_dir=BENCH_DIR)


def at(day: dt.date, hour: int = 9):
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def seed(rng: random.Random, members: int):
    from django.utils import timezone

    from accounts.models import AffiliationRecord, AffiliationType, TrustedDomain, User
    from events.models import Event, Registration
    from municipalities.models import LocalGovernment

    governments = list(LocalGovernment.objects.filter(is_defunct=False).order_by("code")[:1700])
    approved = timezone.make_aware(dt.datetime(2025, 4, 1, 10))
    users = User.objects.bulk_create(
        (
            User(
                email=f"m{i}@bench.invalid",
                password="!",
                status=User.Status.APPROVED,
                approved_at=approved,
                affiliation_type=AffiliationType.LOCAL_GOVERNMENT,
                local_government=governments[i % len(governments)],
                full_name=f"ベンチ 会員{i}",
                full_name_kana="ベンチ カイイン",
                department="総務部 総務課",
                job_type="general",
            )
            for i in range(members)
        ),
        batch_size=2000,
    )
    AffiliationRecord.objects.bulk_create(
        (
            AffiliationRecord(
                user=u,
                affiliation_type=u.affiliation_type,
                local_government=u.local_government,
                department=u.department,
                started_on=dt.date(2025, 4, 1),
                verified_at=approved,
            )
            for u in users
        ),
        batch_size=2000,
    )
    # Trusted domains of some local governments (half the movers use one).
    for lg in governments[:50]:
        TrustedDomain.objects.create(domain=f"lg{lg.code}.bench.lg.jp", local_government=lg)
    # Seats at future meetings for 300 members (future for the access hook, which reads
    # the real clock: two months from now).
    soon = timezone.localdate() + dt.timedelta(days=60)
    events = [
        Event.objects.create(
            kind="meeting",
            title=f"会議{i}",
            starts_at=at(soon + dt.timedelta(days=i), 19),
            ends_at=at(soon + dt.timedelta(days=i), 20),
            format="online",
            join_url="https://meet.example.jp/x",
        )
        for i in range(30)
    ]
    seated = rng.sample(users, 300)
    Registration.objects.bulk_create(
        Registration(event=events[i % 30], user=u, status="going", token=secrets.token_urlsafe(16))
        for i, u in enumerate(seated)
    )
    return users, governments, {u.pk for u in seated}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=MEMBERS)
    args = parser.parse_args()
    members = args.members

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
    os.environ.update(bench_env(database_url))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts import services as account_services
    from accounts.models import User
    from events.models import Registration
    from municipalities import coverage
    from outbox.models import OutgoingMail
    from renewals import services
    from renewals.models import Reminder, Renewal

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    log(f"migrated ({time.monotonic() - started:.1f} s)")
    rng = random.Random(16)
    started = time.monotonic()
    users, governments, seated = seed(rng, members)
    log(f"seeded {members:,} members ({time.monotonic() - started:.1f} s)")
    staff = User.objects.create(email="staff@bench.invalid", is_staff=True, status="approved")

    cycle = services.cycle_create(fiscal_year=2026, **services.cycle_defaults(2026), actor=staff)
    order = list(users)
    rng.shuffle(order)
    confirming = order[: members * 8 // 10]
    start_day = dt.date(2026, 3, 16)
    per_day: dict[dt.date, list] = {}
    for i, u in enumerate(confirming):
        per_day.setdefault(start_day + dt.timedelta(days=i * 28 // len(confirming)), []).append(u)

    scans: list[dict] = []
    confirmed_on: dict[int, dt.datetime] = {}
    movers_to_verify: list[int] = []
    answers = Counter()
    day = dt.date(2026, 3, 15)
    end = dt.date(2026, 6, 1)
    confirm_seconds = 0.0
    while day <= end:
        if not (DOWN[0] <= day <= DOWN[1]):
            for tick, hour in ((0, 9), (1, 10)):
                t0 = time.monotonic()
                with CaptureQueriesContext(connection) as ctx:
                    result = services.renewals_scan(now=at(day, hour))
                seconds = time.monotonic() - t0
                if os.environ.get("BENCH_QUERIES") and result["reminded"]:
                    log(f"{len(ctx.captured_queries)} queries")
                    slow = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:5]
                    for q in slow:
                        log(f"  {q['time']} s {q['sql'][:300]}")
                if tick == 1 and (result["reminded"] or result["lapsed"] or result["opened"]):
                    log(f"FAIL: the second scan of {day} did something: {result}")
                    return 1
                if result["reminded"] or result["lapsed"] or result["opened"] or tick == 0:
                    scans.append({"day": day.isoformat(), "tick": tick, **result, "s": seconds})
                if result["reminded"] or result["lapsed"]:
                    log(
                        f"{day} {hour}:00 scan: opened {result['opened']}, reminded "
                        f"{result['reminded']:,}, lapsed {result['lapsed']:,} in {seconds:.1f} s"
                    )
        # Staff verify yesterday's untrusted changes of body.
        for pk in movers_to_verify:
            account_services.affiliation_verify(user_id=pk, actor=staff)
        movers_to_verify = []
        t0 = time.monotonic()
        for u in per_day.get(day, []):
            now = at(day, 12)
            roll = rng.random()
            user = User.objects.get(pk=u.pk)
            if roll < 0.90:
                services.renewal_confirm(user=user, choice="unchanged", now=now)
                answers["unchanged"] += 1
            elif roll < 0.98:
                services.renewal_confirm(
                    user=user,
                    choice="moved_within",
                    data={"department": "企画部 政策課", "position": "主査", "job_type": "general"},
                    now=now,
                )
                answers["moved_within"] += 1
            else:
                new = rng.choice(governments)
                while new.pk == user.local_government_id:
                    new = rng.choice(governments)
                trusted = rng.random() < 0.5 and new.pk in {g.pk for g in governments[:50]}
                domain = f"lg{new.code}.bench.lg.jp" if trusted else "example.jp"
                change = services.renewal_confirm(
                    user=user,
                    choice="moved_body",
                    data={
                        "affiliation_type": "local_government",
                        "local_government": new,
                        "department": "市民課",
                        "work_email": f"m{user.pk}@{domain}",
                    },
                    now=now,
                ).change
                verified = services.body_change_verify(
                    user=user, token=change.token, now=at(day, 13)
                )
                if not verified.change.trusted:
                    movers_to_verify.append(user.pk)
                answers["moved_body"] += 1
            confirmed_on[u.pk] = now
        confirm_seconds += time.monotonic() - t0
        day += dt.timedelta(days=1)
    log(f"answers: {dict(answers)} ({confirm_seconds:.1f} s for {sum(answers.values()):,})")

    # --- checks -------------------------------------------------------------------------
    failures: list[str] = []
    opening = next(s for s in scans if s["reminded"] and s["day"] == "2026-03-15")
    if opening["s"] > SCAN_LIMIT_S:
        failures.append(f"opening scan took {opening['s']:.1f} s > {SCAN_LIMIT_S} s")
    reminders = list(
        Reminder.objects.values_list("renewal__user_id", "kind", "sent_at", "renewal_id")
    )
    per_key = Counter((u, k) for u, k, _s, _r in reminders)
    if any(n > 1 for n in per_key.values()):
        failures.append("a reminder was sent twice")
    mails = OutgoingMail.objects.filter(template="renewal_reminder").count()
    if mails != len(reminders):
        failures.append(f"{mails} reminder mails for {len(reminders)} reminders")
    late = [u for u, _k, sent, _r in reminders if u in confirmed_on and sent > confirmed_on[u]]
    if late:
        failures.append(f"{len(late)} reminders went to members who had confirmed")
    kinds = Counter(k for _u, k, _s, _r in reminders)
    unconfirmed_on = {
        d: sum(1 for u in users if u.pk not in confirmed_on or confirmed_on[u.pk] > at(d))
        for d in (dt.date(2026, 3, 15), dt.date(2026, 4, 16), dt.date(2026, 5, 5),
                  dt.date(2026, 5, 24))
    }  # fmt: skip
    expected = {
        "opening": unconfirmed_on[dt.date(2026, 3, 15)],
        "due_soon": unconfirmed_on[dt.date(2026, 4, 16)],
        "due": unconfirmed_on[dt.date(2026, 5, 5)],  # the beat came back on 5月5日
        "grace_soon": unconfirmed_on[dt.date(2026, 5, 24)],
    }
    if dict(kinds) != expected:
        failures.append(f"reminders per kind {dict(kinds)} != expected {expected}")
    due_days = {
        timezone.localtime(s).date().isoformat() for _u, k, s, _r in reminders if k == "due"
    }
    if due_days != {"2026-05-05"}:
        failures.append(f"the due-date reminder went out on {due_days}, not once on 5月5日")
    states = Counter(Renewal.objects.filter(cycle=cycle).values_list("state", flat=True))
    n_confirm, n_lapse = len(confirming), members - len(confirming)
    if states != Counter({"confirmed": n_confirm, "lapsed": n_lapse}):
        failures.append(f"states {dict(states)}")
    lapsed_users = User.objects.filter(status=User.Status.LAPSED).count()
    if lapsed_users != n_lapse:
        failures.append(f"{lapsed_users} users 確認待ち, expected {n_lapse}")
    lapsed_ids = set(User.objects.filter(status="lapsed").values_list("pk", flat=True))
    seats_left = Registration.objects.filter(user_id__in=lapsed_ids, status="going").count()
    if seats_left:
        failures.append(f"{seats_left} seats still held by lapsed members")
    seats_lost = len(seated & lapsed_ids)
    coverage.forget()
    data = coverage.compute()
    expected_codes = set(
        User.objects.filter(status="approved", is_staff=False, affiliation_review_pending=False)
        .values_list("local_government__code", flat=True)
        .distinct()
    )
    if data.covered_codes != expected_codes or data.members != n_confirm:
        failures.append(
            f"coverage {data.covered} / {data.members} members, expected "
            f"{len(expected_codes)} / {n_confirm}"
        )
    if data.basis != "2026年度の確認済み会員":
        failures.append(f"basis {data.basis!r}")
    lapse_scan = next(s for s in scans if s["lapsed"])
    summary = {
        "database": connection.vendor,
        "members": members,
        "opening_scan_s": round(opening["s"], 2),
        "opening_reminders": opening["reminded"],
        "reminder_scans": [
            {k: (round(v, 2) if k == "s" else v) for k, v in s.items()} for s in scans
            if s["reminded"]
        ],
        "idle_scan_s_max": round(max(s["s"] for s in scans if not s["reminded"]
                                     and not s["lapsed"]), 3),
        "lapse_scan_s": round(lapse_scan["s"], 2),
        "lapsed": lapse_scan["lapsed"],
        "reminders_per_kind": dict(kinds),
        "answers": dict(answers),
        "confirm_s_per_answer_ms": round(confirm_seconds * 1000 / max(1, sum(answers.values())), 1),
        "seats_given_back": seats_lost,
        "covered": data.covered,
        "coverage_members": data.members,
        "failures": failures,
    }  # fmt: skip
    (BENCH_DIR / "result.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    log(json.dumps(summary, ensure_ascii=False, indent=2))
    connection.close()
    if failures:
        for f in failures:
            log(f"FAIL: {f}")
        return 1
    log("OK: every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
