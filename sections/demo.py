"""Demo content for sections: the published list (already loaded by migration 0002),
heads and members drawn from the approved members, a month of meetings with RSVPs, and
two meeting series: the vaccination officers' weekly 情報交換会 (every Saturday 21:00 for
44 weeks, 30 of them past, one week moved to Sunday, members who joined the whole
series) and a monthly 第2火曜 series. Idempotent: a section that already has members or
meetings, and a series that already exists (by section and title), are left as they
are."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import AffiliationType, User
from accounts.selectors import active_members
from events.models import Registration
from municipalities.models import LocalGovernment
from notifications import services as notifications

from . import series_services, services
from .counts import recount_members
from .models import Department, MeetingSeries, Section, SectionMembership
from .reference import load as load_reference

S = Registration.Status
DEMO_LOGIN = "member000@demo.lg.jp"
TOPICS = ["情報交換会", "事例共有会", "もくもく会", "初参加歓迎の雑談会", "勉強会"]
HOURS = [12, 19, 20, 21]


def _members(stdout) -> list[User]:
    members = list(active_members().filter(is_staff=False).order_by("id")[:600])
    if len(members) >= 100:
        return members
    governments = list(LocalGovernment.objects.exclude(kind="prefecture").order_by("code")[:200])
    new = [
        User(
            email=f"sections-demo{i:03d}@demo.lg.jp",
            full_name=f"横糸 課員{i}",
            full_name_kana="ヨコイト カイン",
            status=User.Status.APPROVED,
            affiliation_type=AffiliationType.LOCAL_GOVERNMENT,
            local_government=governments[i % len(governments)],
            department="総務部 総務課",
            approved_at=timezone.now(),
            password="!",
        )
        for i in range(120)
    ]
    User.objects.bulk_create(new, ignore_conflicts=True)
    stdout.write("sections: 課のデモ用メンバーを作成しました。")
    return list(active_members().filter(is_staff=False).order_by("id")[:600])


def _jst(day_offset: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=day_offset)
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


@transaction.atomic
def seed(stdout) -> None:
    load_reference(Department, Section)
    rng = random.Random(20261122)
    members = _members(stdout)
    demo_user = User.objects.filter(email=DEMO_LOGIN).first()
    now = timezone.now()
    sections = list(Section.objects.filter(status=Section.Status.ACTIVE).order_by("id"))

    new_memberships = []
    for index, section in enumerate(sections):
        if SectionMembership.objects.filter(section=section).exists():
            continue
        picked = rng.sample(members, k=min(len(members), rng.randint(8, 45)))
        if demo_user and index % 12 == 0 and demo_user not in picked:
            picked.insert(0, demo_user)
        for position, user in enumerate(picked):
            role = "head" if position == 0 else "deputy" if position == 1 else "member"
            new_memberships.append(SectionMembership(section=section, user=user, role=role))
    SectionMembership.objects.bulk_create(new_memberships, ignore_conflicts=True)
    # As joining does: every member watches their sections at 新しい話題のみ.
    notifications.watches_joined(
        pairs=[(m.user_id, services.section_channel(m.section_id)) for m in new_memberships]
    )
    recount_members()  # bulk_create bypassed the services that keep member_count

    created = 0
    registrations: list[Registration] = []
    for section in sections:
        if section.meetings.exists():
            continue
        head = SectionMembership.objects.filter(section=section, role="head").first()
        if head is None:
            continue
        section_members = list(
            User.objects.filter(section_memberships__section=section).order_by("id")
        )
        # About twice a month: one in the past two weeks, one or two in the next three.
        for day in sorted(rng.sample(range(-14, 22), k=rng.choice([2, 3]))):
            starts = _jst(day, rng.choice(HOURS))
            meeting = services.meeting_create(
                section_id=section.pk,
                actor=head.user,
                title=f"{section.name} {rng.choice(TOPICS)}",
                description="1. 近況共有\n2. テーマ別の意見交換\n3. 次回の相談",
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
                format="online",
                join_url=f"https://meet.example.jp/yokoito-{section.slug}-{day + 100}",
                capacity=rng.choice([None, None, 10, 20]),
                audience=rng.choice(["section", "section", "all"]),
            )
            created += 1
            registrations.extend(_demo_rsvps(rng, meeting, section_members, now))
    # One INSERT for every RSVP: going the service way (locks, checks) 1,700 times was
    # most of `seed_demo`'s time, and a fresh meeting has nobody to promote or notify.
    Registration.objects.bulk_create(registrations, ignore_conflicts=True)
    stdout.write(f"sections: {len(sections)}課、情報交換会 {created}件を用意しました。")
    _seed_series(stdout, rng, now)


VACCINATION = "ワクチン接種 情報交換会"
HOUKI = "法規 事例検討会（第2火曜）"


def _weeks_since(day: date, weekday: int, weeks_ago: int) -> date:
    """The `weekday` (Monday = 0) `weeks_ago` weeks before `day`."""
    start = day - timedelta(weeks=weeks_ago)
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def _seed_series(stdout, rng: random.Random, now: datetime) -> None:
    """Series are created as if the head had made them when they began (`now` in the
    past), then topped up to today + the horizon, so past meetings exist too."""
    from django.conf import settings

    today = timezone.localdate(now)
    horizon = settings.SECTIONS_SERIES_HORIZON_WEEKS
    plans: list[tuple[str, str, dict[str, Any]]] = [
        (
            "corona",
            VACCINATION,
            {
                "repeat": "weekly",
                "weekdays": ["SA"],
                "starts_on": _weeks_since(today, 5, 30),
                "count": 44,
                "start_time": time(21, 0),
                "description": (
                    "1. 各自治体の接種状況\n2. 予約・会場運営の工夫\n"
                    "3. 国・県からの通知の読み合わせ"
                ),
                "capacity": 40,
            },
        ),
        (
            "houki",
            HOUKI,
            {
                "repeat": "monthly_nth",
                "weekdays": ["TU"],
                "week_of_month": 2,
                "starts_on": today.replace(day=1) - timedelta(days=90),
                "ends_on": today + timedelta(days=270),
                "start_time": time(19, 0),
                "description": "条例・規則の改正事例をひとつ持ち寄って検討します。",
            },
        ),
    ]
    made = 0
    for slug, title, fields in plans:
        section = Section.objects.filter(slug=slug).first()
        if section is None or MeetingSeries.objects.filter(section=section, title=title).exists():
            continue
        head = SectionMembership.objects.filter(section=section, role="head").first()
        if head is None:
            continue
        began = timezone.make_aware(datetime.combine(fields["starts_on"], time(9, 0)))
        weeks = ((today - fields["starts_on"]).days + 7 * horizon) // 7
        series = series_services.series_create(
            section_id=section.pk,
            actor=head.user,
            now=began,
            title=title,
            duration_minutes=60,
            format="online",
            join_url=f"https://meet.example.jp/yokoito-{slug}-series",
            skip_holidays=True,
            **fields,
        )
        series_services.series_top_up(series_id=series.pk, now=began, weeks=weeks)
        # A dozen members joined the whole series when it began.
        members = list(
            User.objects.filter(section_memberships__section=section).order_by("id")[:12]
        )
        for user in members:
            series_services.series_join(series_id=series.pk, user=user, now=began)
        made += 1
        if slug == "corona":
            # One week moved to Sunday (この回だけ).
            upcoming = list(
                series.meetings.filter(event__starts_at__gt=now)
                .select_related("event")
                .order_by("event__starts_at")[2:3]
            )
            for meeting in upcoming:
                sunday = meeting.event.starts_at + timedelta(days=1)
                services.meeting_update(
                    meeting_id=meeting.pk,
                    actor=head.user,
                    now=now,
                    title=f"{title}（日曜開催）",
                    starts_at=sunday,
                    ends_at=sunday + timedelta(hours=1),
                )
    if made:
        stdout.write(f"sections: シリーズ {made}件（週1回・毎月第2火曜）を用意しました。")


def _demo_rsvps(rng: random.Random, meeting, members: list[User], now) -> list[Registration]:
    """Up to 12 members answer: 85 % going (seats first, then the waitlist), the rest not
    going — the states `registration_rsvp` would give them, in the order they answered."""
    event = meeting.event
    answered_at = min(now, event.starts_at - timedelta(days=1))
    rows, going, queued = [], 0, 0
    for n, user in enumerate(rng.sample(members, k=min(len(members), 12))):
        at = answered_at + timedelta(seconds=n)
        if rng.random() >= 0.85:
            rows.append(Registration(event=event, user=user, status=S.NOT_GOING, created_at=at))
        elif event.capacity is None or going < event.capacity:
            going += 1
            rows.append(
                Registration(event=event, user=user, status=S.GOING, confirmed_at=at, created_at=at)
            )
        else:
            queued += 1
            rows.append(
                Registration(
                    event=event,
                    user=user,
                    status=S.WAITLISTED,
                    waitlisted_at=at,
                    waitlist_seq=queued,
                    created_at=at,
                )
            )
    return rows
