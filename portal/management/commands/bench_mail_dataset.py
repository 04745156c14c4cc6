"""The mail benchmark's extra rows (issue 18 items 2–3), idempotent, on top of
`bench_dataset`: one meeting 12 hours ahead with `--due` going registrations (so that
10,000 reminders are due at once), and `--followers` members following programme 0 in
reminder mode (30 minutes) and programme 1 in digest mode (07:00).

Running it again changes nothing (the meeting is found by its title; follows are unique)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from broadcasts.models import Follow, Programme
from events.models import Event, Registration
from sections.models import Meeting, Section
from sections.owner import KIND as MEETING_KIND

from .bench_dataset import MARKER

TITLE = "ベンチ リマインダー会"


class Command(BaseCommand):
    help = "メールのベンチマーク用に、リマインダーが1万通届く会とフォローを作ります（冪等）。"

    def add_arguments(self, parser):
        parser.add_argument("--due", type=int, default=10_000)
        parser.add_argument("--followers", type=int, default=10_000)

    @transaction.atomic
    def handle(self, *args, **options):
        head = User.objects.filter(email=MARKER).first()
        if head is None:
            raise CommandError("先に manage.py bench_dataset を実行してください。")
        members = list(
            User.objects.filter(status=User.Status.APPROVED, is_staff=False)
            .exclude(pk=head.pk)
            .order_by("pk")
            .values_list("pk", flat=True)[: max(options["due"], options["followers"])]
        )
        event = Event.objects.filter(kind=MEETING_KIND, title=TITLE).first()
        if event is None:
            starts = (timezone.now() + dt.timedelta(hours=12)).replace(second=0, microsecond=0)
            event = Event.objects.create(
                kind=MEETING_KIND,
                title=TITLE,
                description="リマインダーの一斉送信を測る会。",
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=1),
                join_url="https://meet.example.jp/bench-reminders",
            )
            section = Section.objects.order_by("pk").first()
            assert section is not None, "bench_dataset makes the sections first"
            Meeting.objects.create(
                section=section, event=event, audience=Meeting.Audience.ALL, created_by=head
            )
            since = timezone.now() - dt.timedelta(days=2)
            Registration.objects.bulk_create(
                [
                    Registration(
                        event=event,
                        user_id=pk,
                        status=Registration.Status.GOING,
                        token=secrets.token_urlsafe(32),
                        confirmed_at=since,
                        created_at=since,
                    )
                    for pk in members[: options["due"]]
                ],
                batch_size=5000,
            )
        programmes = list(
            Programme.objects.filter(slug__startswith="bench-programme-").order_by("slug")
        )
        if len(programmes) >= 2:
            followers = members[: options["followers"]]
            Follow.objects.bulk_create(
                [
                    Follow(user_id=pk, programme=programmes[0], mode=Follow.Mode.REMINDER,
                           remind_minutes_before=30)
                    for pk in followers
                ]
                + [
                    Follow(user_id=pk, programme=programmes[1], mode=Follow.Mode.DIGEST,
                           digest_time=dt.time(7, 0))
                    for pk in followers
                ],
                batch_size=5000,
                ignore_conflicts=True,
            )  # fmt: skip
        self.stdout.write(
            f"会 {event.pk}（{event.registrations.count():,} 件の参加登録）、"
            f"フォロー {Follow.objects.filter(programme__in=programmes).count():,} 件"
        )
