"""Reads for 庁内放送. Every queryset here already loads what its page shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .models import Episode, EpisodeQuerySet, Follow, Guest, Programme

if TYPE_CHECKING:
    from accounts.models import User


def _episodes() -> EpisodeQuerySet:
    return Episode.objects.select_related("programme").prefetch_related(
        Prefetch("guests", queryset=Guest.objects.order_by("position", "id"))
    )


def episode_get(*, pk: int) -> Episode:
    """One episode with its programme and guests; 404 for a tampered id."""
    episode = _episodes().filter(pk=pk).first()
    if episode is None:
        raise Http404("放送回が見つかりません。")
    return episode


def episodes_aired_count(*, now: dt.datetime | None = None) -> int:
    """The running count shown on the tonight and archive pages."""
    return Episode.objects.aired(now).count()


@dataclass
class Tonight:
    on_air: Episode | None
    next: Episode | None
    later: list[Episode]


def tonight(*, now: dt.datetime | None = None, later: int = 3) -> Tonight:
    """The episode on air now (if any), the next one to start, and a few after it."""
    now = now or timezone.now()
    # One query (and the guests'): what is on air or still to come, by start. Those on
    # air start first; the rest are the upcoming ones. A few spare rows cover several
    # programmes on air at once; past those, the upcoming ones are asked on their own.
    spare = 4
    rows = list(
        _episodes()
        .with_ends_at()
        .filter(ends_at_db__gt=now)
        .order_by("starts_at", "id")[: later + 1 + spare]
    )
    airing = [e for e in rows if e.starts_at <= now]
    on_air = airing[0] if airing else None
    upcoming = [e for e in rows if e.starts_at > now][: later + 1]
    if len(airing) > spare and len(upcoming) < later + 1:
        upcoming = list(_episodes().upcoming(now).order_by("starts_at", "id")[: later + 1])
    return Tonight(
        on_air=on_air,
        next=upcoming[0] if upcoming else None,
        later=upcoming[1:],
    )


def week_start(day: dt.date) -> dt.date:
    """The Monday of `day`'s week."""
    return day - dt.timedelta(days=day.weekday())


def schedule_week(*, monday: dt.date) -> list[tuple[dt.date, list[Episode]]]:
    """Seven (date, episodes) pairs from `monday`, episodes by JST air date."""
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    by_day: dict[dt.date, list[Episode]] = {d: [] for d in days}
    for episode in _episodes().filter(air_date__range=(days[0], days[-1])).order_by("starts_at"):
        by_day[episode.air_date].append(episode)
    return list(by_day.items())


def archive_search(*, q: str = "", programme: Programme | None = None) -> QuerySet[Episode]:
    """Episodes that have gone on air, newest first, matching every word of `q` against the
    theme, description, personalities, programme and guests (name or affiliation)."""
    qs = _episodes().aired()
    if programme is not None:
        qs = qs.filter(programme=programme)
    for word in q.split()[:8]:
        guests = Guest.objects.filter(episode=OuterRef("pk")).filter(
            Q(name__icontains=word) | Q(affiliation__icontains=word)
        )
        qs = qs.filter(
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(personalities__icontains=word)
            | Q(programme__name__icontains=word)
            | Exists(guests)
        )
    return qs.order_by("-starts_at", "-id")


def programmes_list() -> QuerySet[Programme]:
    return Programme.objects.filter(is_active=True).order_by("name", "id")


def programmes_with_follows(*, user: User) -> list[tuple[Programme, Follow | None]]:
    """Active programmes with the member's follow of each (None when not following)."""
    follows = follows_by_programme(user=user)
    return [(p, follows.get(p.pk)) for p in programmes_list()]


def programme_get(*, slug: str) -> Programme:
    """A programme by its slug; 404 when there is none."""
    programme = Programme.objects.filter(slug=slug).first()
    if programme is None:
        raise Http404("番組が見つかりません。")
    return programme


def programme_upcoming(*, programme: Programme, limit: int = 7) -> list[Episode]:
    return list(_episodes().filter(programme=programme).upcoming().order_by("starts_at")[:limit])


def follows_by_programme(*, user: User) -> dict[int, Follow]:
    """The member's follows keyed by programme id (one query; for follow buttons)."""
    return {f.programme_id: f for f in Follow.objects.filter(user=user)}


def follows_for(*, user: User) -> QuerySet[Follow]:
    return Follow.objects.filter(user=user).select_related("programme").order_by("programme__name")


def followed_episodes_for(user: User, start: dt.datetime, end: dt.datetime) -> QuerySet[Episode]:
    """Episodes of the programmes `user` follows starting in [start, end), oldest first.

    For the member's private calendar feed: each row has `programme` loaded and `guests`
    prefetched; `starts_at`/`ends_at` are aware datetimes, `get_absolute_url()` the page."""
    return (
        _episodes()
        .filter(
            programme__follows__user=user,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .order_by("starts_at", "id")
    )
