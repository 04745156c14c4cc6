"""The member-side benchmark's dataset (issue 18), built with bulk_create, idempotently.

20,001 members (one of them the benchmark's signed-in member, head of the big section),
61 sections (the published 58 plus 3), 44,000+ memberships with one section of 3,000+
members, 2,000 meetings, 2 programmes × 366 daily episodes, 200 trainings and 100,100
registrations. Rows are valid for the services: registrations respect capacities
(going until full, then an ordered waitlist), tokens are unique, confirmed/waitlisted
times are set, every meeting and training owns its event.

Running it again on a database that already holds the dataset changes nothing (it checks
a marker: the signed-in member's address). `--members` scales it down for tests.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import time

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import AffiliationType, User
from broadcasts.models import Episode, Programme
from core.jst import JST
from events.models import Event, Registration
from municipalities.models import LocalGovernment
from sections.counts import recount_members
from sections.models import Department, Meeting, Section, SectionMembership
from sections.owner import KIND as MEETING_KIND
from trainings.models import KIND as TRAINING_KIND
from trainings.models import Training

MARKER = "bench-head@bench.invalid"
PASSWORD = "bench-pass-2026"
BIG_SECTION_MEMBERS = 3000


class Command(BaseCommand):
    help = "ベンチマーク用のデータ（会員2万人規模）を作ります（何度実行しても同じ結果）。"

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=20_000)
        parser.add_argument("--meetings", type=int, default=2_000)
        parser.add_argument("--trainings", type=int, default=200)
        parser.add_argument("--registrations", type=int, default=100_100)
        parser.add_argument("--seed", type=int, default=18)

    def handle(self, *args, **options):
        if User.objects.filter(email=MARKER).exists():
            self.stdout.write("ベンチマーク用データは作成済みです（変更なし）。")
            return
        started = time.monotonic()
        with transaction.atomic():
            counts = build(
                members=options["members"],
                meetings=options["meetings"],
                trainings=options["trainings"],
                registrations=options["registrations"],
                seed=options["seed"],
                log=lambda text: self.stdout.write(
                    f"  {text} ({time.monotonic() - started:.1f} s)"
                ),
            )
        if connection.vendor == "postgresql":
            # Fresh statistics and visibility map, as autovacuum keeps them on a live
            # database: without them the planner takes 20,000 bulk-inserted rows for a few
            # hundred, and no index-only scan avoids the heap. (VACUUM only outside a
            # transaction: a test runs the command inside one.)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        summary = "、".join(f"{label} {value:,}" for label, value in counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"作成しました: {summary}（{time.monotonic() - started:.1f} 秒）")
        )


def build(
    *, members: int, meetings: int, trainings: int, registrations: int, seed: int, log
) -> dict[str, int]:
    rng = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    lgs = list(LocalGovernment.objects.filter(is_defunct=False).order_by("code"))
    password = make_password(PASSWORD)  # hashed once for every bench account

    # Members: the signed-in head first, then everyone else.
    users = [
        User(
            email=MARKER,
            password=password,
            status=User.Status.APPROVED,
            approved_at=now - dt.timedelta(days=400),
            affiliation_type=AffiliationType.LOCAL_GOVERNMENT,
            local_government=lgs[0],
            full_name="ベンチ 課長",
            full_name_kana="ベンチ カチョウ",
            department="総務部 デジタル推進課",
            job_type="general",
        )
    ]
    job_types = ["general", "health", "tax", "welfare", "education", "engineering"]
    for i in range(members):
        users.append(
            User(
                email=f"bench{i:05d}@bench.invalid",
                password=password,
                status=User.Status.APPROVED,
                approved_at=now - dt.timedelta(days=rng.randint(1, 700)),
                affiliation_type=AffiliationType.LOCAL_GOVERNMENT,
                local_government=rng.choice(lgs),
                full_name=f"ベンチ 会員{i:05d}",
                full_name_kana=f"ベンチ カイイン{i:05d}",
                department="総務部 総務課",
                job_type=rng.choice(job_types),
            )
        )
    User.objects.bulk_create(users, batch_size=2000)
    users = list(User.objects.filter(email__endswith="@bench.invalid").order_by("id"))
    head = users[0]
    log(f"members {len(users):,}")

    # Sections: the published ones plus extras up to 61; the first is the big one.
    sections = list(Section.objects.order_by("id"))
    department = Department.objects.order_by("order", "id").first()
    extra = []
    for n in range(len(sections), 61):
        extra.append(
            Section(
                department=department,
                name=f"ベンチ課{n}",
                slug=f"bench-{n}",
                type=Section.Type.WORK,
                description="ベンチマーク用の課です。",
            )
        )
    Section.objects.bulk_create(extra)
    sections = list(Section.objects.order_by("id"))[:61]
    big = sections[0]
    memberships = [SectionMembership(section=big, user=head, role=SectionMembership.Role.HEAD)]
    taken = {(big.pk, head.pk)}
    for user in users[1 : BIG_SECTION_MEMBERS + 1]:
        memberships.append(SectionMembership(section=big, user=user))
        taken.add((big.pk, user.pk))
    for user in users[1:]:
        for section in rng.sample(sections[1:], 2):
            if (section.pk, user.pk) not in taken:
                taken.add((section.pk, user.pk))
                memberships.append(SectionMembership(section=section, user=user))
    SectionMembership.objects.bulk_create(memberships, batch_size=5000)
    recount_members()  # as the membership services keep it (sections/counts.py)
    log(f"sections {len(sections)}, memberships {len(memberships):,}")

    # Meetings: spread over the past 300 and the next 60 days, most in the big section's
    # neighbours; every tenth in the big section.
    events = []
    for i in range(meetings):
        starts = (now + dt.timedelta(days=rng.randint(-300, 60), hours=rng.randint(0, 23))).replace(
            minute=0, second=0
        )
        if i == 0:  # the big section's next meeting (the benchmark's meeting page)
            starts = (now + dt.timedelta(days=3)).replace(minute=0, second=0)
        events.append(
            Event(
                kind=MEETING_KIND,
                title=f"情報交換会 {i}",
                description="近況の共有と質問コーナー。",
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=1),
                join_url="https://meet.example.jp/bench",
                capacity=rng.choice([None, 30, 100]),
            )
        )
    Event.objects.bulk_create(events, batch_size=2000)
    meeting_events = list(
        Event.objects.filter(kind=MEETING_KIND, title__startswith="情報交換会 ").order_by("pk")
    )
    Meeting.objects.bulk_create(
        [
            Meeting(
                section=big if i % 10 == 0 else sections[1 + i % 60],
                event=event,
                audience=Meeting.Audience.ALL if i % 3 == 0 else Meeting.Audience.SECTION,
                created_by=head,
            )
            for i, event in enumerate(meeting_events)
        ],
        batch_size=2000,
    )
    log(f"meetings {len(meeting_events):,}")

    # Broadcasts: two programmes, one episode a day each for 366 days around today.
    programmes = [
        Programme.objects.create(
            name=f"ベンチ放送{n}", slug=f"bench-programme-{n}", weekdays=list(range(7))
        )
        for n in range(2)
    ]
    first_day = timezone.localdate() - dt.timedelta(days=183)
    episodes = []
    for programme in programmes:
        for offset in range(366):
            day = first_day + dt.timedelta(days=offset)
            episodes.append(
                Episode(
                    programme=programme,
                    air_date=day,
                    starts_at=dt.datetime.combine(day, dt.time(22, 0), tzinfo=JST),
                    duration=dt.timedelta(hours=1),
                    title=f"{programme.name} {day:%m/%d} のテーマ",
                    personalities="山田 花子",
                )
            )
    Episode.objects.bulk_create(episodes, batch_size=2000)
    log(f"episodes {len(episodes):,}")

    # Trainings: half ahead, half past.
    events = []
    for i in range(trainings):
        starts = (now + dt.timedelta(days=rng.randint(-200, 120))).replace(
            hour=12, minute=0, second=0
        )
        if i == 0:  # an upcoming one, open for applications (the training page)
            starts = (now + dt.timedelta(days=20)).replace(hour=12, minute=0, second=0)
        events.append(
            Event(
                kind=TRAINING_KIND,
                title=f"庁内研修 {i}",
                description="講義と質疑応答。",
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=2),
                rsvp_deadline=starts - dt.timedelta(days=2),
                join_url="https://meet.example.jp/training",
                capacity=rng.choice([None, 100, 300]),
            )
        )
    Event.objects.bulk_create(events)
    training_events = list(Event.objects.filter(kind=TRAINING_KIND, title__startswith="庁内研修 "))
    Training.objects.bulk_create(
        [
            Training(event=event, application_opens_at=event.starts_at - dt.timedelta(days=30))
            for event in training_events
        ]
    )
    log(f"trainings {len(training_events):,}")

    # Registrations: the head goes to a few upcoming ones (home, calendar); the rest are
    # spread over all events, going until full, then waitlisted in order.
    all_events = meeting_events + training_events
    rows: list[Registration] = []
    going: dict[int, int] = {}
    queued: dict[int, int] = {}
    pairs: set[tuple[int, int]] = set()

    def add(event: Event, user: User) -> None:
        if (event.pk, user.pk) in pairs:
            return
        pairs.add((event.pk, user.pk))
        when = event.starts_at - dt.timedelta(days=3, minutes=len(rows) % 1000)
        full = event.capacity is not None and going.get(event.pk, 0) >= event.capacity
        if full:
            queued[event.pk] = queued.get(event.pk, 0) + 1
            rows.append(
                Registration(
                    event=event,
                    user=user,
                    status=Registration.Status.WAITLISTED,
                    token=secrets.token_urlsafe(32),
                    waitlisted_at=when,
                    waitlist_seq=queued[event.pk],
                    created_at=when,
                )
            )
        else:
            going[event.pk] = going.get(event.pk, 0) + 1
            rows.append(
                Registration(
                    event=event,
                    user=user,
                    status=Registration.Status.GOING,
                    token=secrets.token_urlsafe(32),
                    confirmed_at=when,
                    created_at=when,
                )
            )

    upcoming = [event for event in all_events if event.starts_at > now]
    for event in upcoming[:12]:
        add(event, head)
    while len(rows) < registrations:
        add(rng.choice(all_events), rng.choice(users))
    Registration.objects.bulk_create(rows, batch_size=5000)
    log(f"registrations {len(rows):,}")
    return {
        "会員": len(users),
        "課": len(sections),
        "課のメンバー": len(memberships),
        "情報交換会": len(meeting_events),
        "放送回": len(episodes),
        "研修": len(training_events),
        "参加登録": len(rows),
    }


def member_pages() -> tuple[User, list[tuple[str, str]]]:
    """The benchmark's signed-in member (head of the big section) and the member pages
    it measures, as (label, path): used by scripts/bench_pages.py and by
    tests/portal/test_bench_pages.py (query counts constant in the data size)."""
    head = User.objects.get(email=MARKER)
    big = SectionMembership.objects.select_related("section").get(user=head, role="head").section
    now = timezone.now()
    meeting = (
        Meeting.objects.filter(section=big, event__starts_at__gt=now)
        .select_related("section")
        .order_by("event__starts_at")
        .first()
    )
    training = Training.objects.filter(event__starts_at__gt=now, is_orientation=False).order_by(
        "event__starts_at"
    )[0]
    other = User.objects.filter(email__startswith="bench0").order_by("id")[5]
    assert meeting is not None, "the big section has no upcoming meeting"
    return head, [
        ("home", "/members/"),
        ("section directory", "/sections/"),
        (f"section ({big.member_count:,} members)", big.get_absolute_url()),
        ("meeting", meeting.get_absolute_url()),
        ("broadcasts tonight", "/broadcasts/"),
        ("broadcasts schedule", "/broadcasts/schedule/"),
        ("broadcasts archive", "/broadcasts/archive/"),
        ("trainings list", "/trainings/"),
        ("training detail", f"/trainings/{training.pk}/"),
        ("member directory", "/members/directory/"),
        ("profile", f"/members/{other.pk}/"),
        ("calendar", "/events/calendar/"),
        ("coverage (signed in)", "/coverage/"),
    ]
