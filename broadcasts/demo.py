"""Demo content for `make run`: programmes, a month of episodes before and after today (the
aired ones with themes, guests and mostly an archive URL), and follows by some members.
Idempotent: programmes by slug, episodes by (programme, date), follows by (user, programme)."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from accounts.selectors import active_members

from .models import Episode, Follow, Guest, Programme
from .services import episodes_generate

PROGRAMMES = [
    {
        "slug": "yokoito-night",
        "name": "横糸ナイト",
        "description": "毎晩22時、全国の公務員がその日のテーマで語り合う生放送。",
        "personalities": "山田 花子、佐藤 一郎",
        "weekdays": [0, 1, 2, 3, 4],
    },
    {
        "slug": "weekend-salon",
        "name": "週末ちょうないサロン",
        "description": "土日の夜にゆったり。仕事の悩みや地域の話題をゲストと一緒に。",
        "personalities": "高橋 真理",
        "weekdays": [5, 6],
    },
]
THEMES = [
    "窓口DXの最前線",
    "防災訓練をどう変えるか",
    "予算書の読み方入門",
    "公用車のEV化",
    "若手職員の育成",
    "ふるさと納税の次の一手",
    "庁内のデータ活用",
    "議会答弁のつくり方",
    "子育て支援の現場から",
    "空き家対策の工夫",
    "観光と地域交通",
    "災害時の情報発信",
    "生成AIと行政文書",
    "移住・定住の施策",
    "職員のメンタルヘルス",
]
GUESTS = [
    ("鈴木 一郎", "総務省 自治行政局"),
    ("田中 美咲", "横浜市 デジタル統括本部"),
    ("伊藤 健", "仙台市 危機管理局"),
    ("渡辺 陽子", "福岡市 こども未来局"),
    ("中村 大輔", "北海道 東川町"),
    ("小林 彩", "デジタル庁"),
    ("加藤 拓海", "大阪府 財務部"),
    ("吉田 真由", "長野県 小布施町"),
]


@transaction.atomic
def seed(stdout) -> None:
    rng = random.Random(20261122)
    today = timezone.localdate()
    start, end = today - dt.timedelta(days=30), today + dt.timedelta(days=30)
    created_episodes = 0
    programmes = []
    for data in PROGRAMMES:
        programme, _ = Programme.objects.get_or_create(
            slug=data["slug"], defaults={k: v for k, v in data.items() if k != "slug"}
        )
        programmes.append(programme)
        created_episodes += episodes_generate(programme=programme, start=start, end=end)

    # Fill in themes, guests and archives only on episodes that have none yet.
    now = timezone.now()
    blank = Episode.objects.filter(
        programme__in=programmes, air_date__range=(start, end), title=""
    ).order_by("starts_at")
    for episode in blank:
        episode.title = rng.choice(THEMES)
        episode.description = f"今夜のテーマは「{episode.title}」。全国の事例を持ち寄って話します。"
        episode.live_url = f"https://live.yokoito.example/{episode.programme.slug}/{episode.pk}"
        if episode.ends_at <= now and rng.random() < 0.8:
            episode.archive_url = (
                f"https://video.yokoito.example/{episode.programme.slug}/{episode.air_date:%Y%m%d}"
            )
        episode.save(update_fields=["title", "description", "live_url", "archive_url"])
        for position, (name, affiliation) in enumerate(rng.sample(GUESTS, rng.randint(1, 2))):
            Guest.objects.create(
                episode=episode, name=name, affiliation=affiliation, position=position
            )

    followers = list(active_members().order_by("pk")[:40])
    follows = 0
    for i, user in enumerate(followers):
        programme = programmes[i % len(programmes)]
        _, created = Follow.objects.get_or_create(
            user=user,
            programme=programme,
            defaults={
                "mode": Follow.Mode.DIGEST if i % 3 == 0 else Follow.Mode.REMINDER,
                "digest_time": dt.time(7, 30),
            },
        )
        follows += created
    stdout.write(
        f"庁内放送: 番組 {len(programmes)} 件、放送回 {created_episodes} 件を追加、"
        f"フォロー {follows} 件を追加しました。"
    )
