"""Followed episodes in the member's private calendar feed (registered with `events`)."""

from __future__ import annotations

import datetime as dt

import icalendar
from django.conf import settings
from django.utils import timezone

from core.jst import JST

from .models import Episode
from .selectors import followed_episodes_for

# The feed shows followed episodes from this long ago to this far ahead.
FEED_PAST = dt.timedelta(days=30)
FEED_AHEAD = dt.timedelta(days=90)


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


def episodes_feed_provider(user) -> list[icalendar.Event]:
    now = timezone.now()
    return [
        episode_component(e) for e in followed_episodes_for(user, now - FEED_PAST, now + FEED_AHEAD)
    ]
