"""Followed episodes in the member's private calendar feed (registered with `events`)."""

from __future__ import annotations

import datetime as dt

import icalendar
from django.conf import settings
from django.utils import timezone

from core.jst import JST

from .models import Episode
from .selectors import followed_episodes_for


def feed_window(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """Followed episodes in the feed: from the start of today (JST) for
    BROADCAST_FEED_WEEKS weeks. Past days are left out (the archive page has them)."""
    today = timezone.localdate(now or timezone.now(), JST)
    start = dt.datetime.combine(today, dt.time.min, tzinfo=JST)
    return start, start + dt.timedelta(weeks=settings.BROADCAST_FEED_WEEKS)


def feed_description() -> str:
    """The calendar page's line for what this provider puts in the feed."""
    return (
        f"フォロー中の番組（庁内放送）の放送回。今日から{settings.BROADCAST_FEED_WEEKS}週間先まで"
        "（過去の回は載りません）。"
    )


def episode_component(episode: Episode) -> icalendar.Event:
    """One VEVENT. No live URL in the feed (it travels outside the site); the page has it."""
    url = settings.SITE_URL + episode.get_absolute_url()
    component = icalendar.Event()
    component.add("uid", f"broadcast-episode-{episode.pk}@yokoito")
    component.add("dtstamp", timezone.now())
    component.add("dtstart", episode.starts_at.astimezone(JST))
    component.add("dtend", episode.ends_at.astimezone(JST))
    component.add("summary", f"【庁内放送】{episode.programme.name}：{episode.display_title}")
    component.add("location", "オンライン（横糸の庁内放送ページ）")
    component.add("url", url)
    lines = []
    if episode.personalities:
        lines.append(f"パーソナリティ：{episode.personalities}")
    guests = "、".join(str(g) for g in episode.guests.all())
    if guests:
        lines.append(f"ゲスト：{guests}")
    lines.append(f"詳細: {url}")
    component.add("description", "\n".join(lines))
    return component


def episodes_feed_provider(user, now: dt.datetime | None = None) -> list[icalendar.Event]:
    start, end = feed_window(now)
    return [episode_component(e) for e in followed_episodes_for(user, start, end)]
