"""Demo trainings: the published vaccination-duty example, past and upcoming lectures,
and the Friday orientations. Idempotent (keyed by title)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from accounts.models import User
from core.jst import JST
from events.models import Event, Registration

from . import services
from .models import Training

TRAININGS: list[dict[str, Any]] = [
    {
        "title": "ワクチン接種業務の実務 ── 住民接種を支える自治体の段取り",
        "starts": dt.datetime(2022, 4, 5, 21, 0, tzinfo=JST),
        "deadline": dt.datetime(2022, 4, 3, 23, 59, tzinfo=JST),
        "lecturers": [
            {
                "name": "山田 医師",
                "affiliation": "感染症専門医",
                "profile": "自治体の集団接種に多数関わる。",
            }
        ],
        "archive_url": "https://video.example.jp/yokoito/vaccination-2022",
        "archive_access": Training.ArchiveAccess.REGISTRANTS,
        "questions": ["現在の接種業務で困っていること"],
    },
    {
        "title": "伝わる行政文書の書き方",
        "days": -20,
        "lecturers": [{"name": "佐藤 編集者", "affiliation": "出版社 編集部"}],
        "archive_url": "https://video.example.jp/yokoito/writing",
        "archive_access": Training.ArchiveAccess.MEMBERS,
    },
    {
        "title": "データ活用入門：オープンデータで地域を読む",
        "days": 9,
        "capacity": 100,
        "lecturers": [{"name": "鈴木 研究員", "affiliation": "大学 データサイエンス研究科"}],
        "questions": ["扱っているデータの種類", "研修で聞きたいこと"],
    },
    {
        "title": "保健師のためのファシリテーション",
        "days": 16,
        "capacity": 30,
        "audience": Training.Audience.JOB_TYPES,
        "audience_job_types": ["public_health_nurse"],
        "lecturers": [{"name": "高橋 講師", "affiliation": "ファシリテーション協会"}],
    },
    {
        "title": "議会答弁のつくり方",
        "days": 23,
        "capacity": 5,
        "lecturers": [{"name": "伊藤 元議会事務局長"}],
    },
]


def seed(stdout) -> None:
    now = timezone.now()
    created = 0
    for spec in TRAININGS:
        if Training.objects.filter(event__title=spec["title"]).exists():
            continue
        if "starts" in spec:
            starts = spec["starts"]
        else:
            day = timezone.localdate(now) + dt.timedelta(days=spec["days"])
            starts = dt.datetime(day.year, day.month, day.day, 21, 0, tzinfo=JST)
        services.training_create(
            title=spec["title"],
            description="外部の専門家をお招きする庁内研修です。",
            starts_at=starts,
            ends_at=starts + dt.timedelta(minutes=90),
            capacity=spec.get("capacity"),
            rsvp_deadline=spec.get("deadline"),
            join_url="https://meet.example.jp/yokoito-training",
            lecturers=spec.get("lecturers"),
            application_opens_at=starts - dt.timedelta(days=30),
            audience=spec.get("audience", Training.Audience.ALL),
            audience_job_types=spec.get("audience_job_types", []),
            questions=spec.get("questions", []),
            archive_url=spec.get("archive_url", ""),
            archive_access=spec.get("archive_access", Training.ArchiveAccess.REGISTRANTS),
        )
        created += 1
    orientations = services.orientations_generate(weeks=4, now=now)
    # A few demo members registered for past trainings, so the archive shows.
    members = list(User.objects.filter(status=User.Status.APPROVED, is_staff=False)[:20])
    for event in Event.objects.filter(kind="training", ends_at__lt=now):
        for member in members:
            Registration.objects.get_or_create(
                event=event,
                user=member,
                defaults={"status": Registration.Status.GOING, "confirmed_at": event.starts_at},
            )
    stdout.write(f"研修: 新規 {created} 件、説明会: 新規 {orientations} 件\n")
