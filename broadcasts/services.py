"""Writes for 庁内放送: generating episodes, following programmes, reminders and digests."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.selectors import active_members
from core.errors import ServiceError
from outbox.services import ANALYZE_AFTER_ROWS, analyze_after_commit, mails_enqueue_bulk

from . import search_docs
from .models import Episode, Follow, Notice, Programme, default_duration

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

MAX_GENERATE_DAYS = 366
# A reminder is never sent earlier than this before an episode (the form's upper bound).
MAX_REMINDER_MINUTES = 1440
DIGEST_WINDOW = dt.timedelta(hours=24)


class BroadcastError(ServiceError):
    """A broadcast rule said no; nothing changed."""


def _tz() -> dt.tzinfo:
    return timezone.get_default_timezone()


def episode_start(*, programme: Programme, day: dt.date) -> dt.datetime:
    """The aware start of a programme's episode on `day`, in JST (Asia/Tokyo)."""
    return dt.datetime.combine(day, programme.default_start_time, tzinfo=_tz())


@transaction.atomic
def episodes_generate(*, programme: Programme, start: dt.date, end: dt.date) -> int:
    """Create the programme's episodes on its weekdays from `start` to `end` (inclusive).

    Idempotent: dates that already have an episode are left alone. Returns how many were
    created. The programme row is locked so two staff generating at once cannot race."""
    if start > end:
        raise BroadcastError("終了日は開始日以降にしてください。")
    if (end - start).days + 1 > MAX_GENERATE_DAYS:
        raise BroadcastError(f"一度に生成できるのは {MAX_GENERATE_DAYS} 日分までです。")
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    weekdays = {int(d) for d in programme.weekdays or []}
    if not weekdays:
        raise BroadcastError("番組の放送曜日が設定されていません。")
    existing = set(
        Episode.objects.filter(programme=programme, air_date__range=(start, end)).values_list(
            "air_date", flat=True
        )
    )
    duration = default_duration()
    new = []
    # Count days rather than step past `end`: stepping past 9999-12-31 overflowed.
    for offset in range((end - start).days + 1):
        day = start + dt.timedelta(days=offset)
        if day.weekday() in weekdays and day not in existing:
            new.append(
                Episode(
                    programme=programme,
                    air_date=day,
                    starts_at=episode_start(programme=programme, day=day),
                    duration=duration,
                    personalities=programme.personalities,
                )
            )
    Episode.objects.bulk_create(new)
    search_docs.index_episodes([e.pk for e in new])  # search
    return len(new)


def follow_set(
    *,
    user: User,
    programme: Programme,
    mode: str = Follow.Mode.REMINDER,
    remind_minutes_before: int = 30,
    digest_time: dt.time | None = None,
) -> Follow:
    """Follow a programme, or change how an existing follow notifies."""
    if mode not in Follow.Mode.values:
        raise BroadcastError("通知方法が正しくありません。")
    if not 5 <= remind_minutes_before <= MAX_REMINDER_MINUTES:
        raise BroadcastError("リマインダーは 5〜1440 分前の間で指定してください。")
    defaults = {"mode": mode, "remind_minutes_before": remind_minutes_before}
    if digest_time is not None:
        defaults["digest_time"] = digest_time
    with transaction.atomic():
        follow, _ = Follow.objects.update_or_create(
            user=user, programme=programme, defaults=defaults
        )
    return follow


def follow_remove(*, user: User, programme: Programme) -> bool:
    """Stop following. Returns False when the member was not following."""
    deleted, _ = Follow.objects.filter(user=user, programme=programme).delete()
    return bool(deleted)


# --- Reminders and digests -----------------------------------------------------------------


def _episode_context(episode: Episode) -> dict:
    return {
        "id": episode.pk,
        "programme": episode.programme.name,
        "title": episode.display_title,
        "starts_at": timezone.localtime(episode.starts_at).strftime("%Y年%m月%d日 %H:%M"),
        "personalities": episode.personalities,
        "guests": [str(g) for g in episode.guests.all()],
        "url": settings.SITE_URL + episode.get_absolute_url(),
        "live_url": episode.live_url,
    }


def reminders_send(*, now: dt.datetime | None = None) -> int:
    """Send every reminder that is due: followers in reminder mode whose chosen lead time has
    been reached and the episode has not started yet. Exactly once per (member, episode).

    Safe to run twice and concurrently: each episode is processed under a row lock taken with
    SKIP LOCKED, and the `Notice` row plus the outbox dedupe key are unique."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(minutes=MAX_REMINDER_MINUTES)
    candidate_ids = list(
        Episode.objects.filter(
            starts_at__gt=now,
            starts_at__lte=horizon,
            programme__follows__mode=Follow.Mode.REMINDER,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    sent = 0
    for episode_id in candidate_ids:
        sent += _episode_reminders_send(episode_id=episode_id, now=now)
    return sent


def _episode_reminders_send(*, episode_id: int, now: dt.datetime) -> int:
    sent = 0
    with transaction.atomic():
        episode = (
            Episode.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("programme")
            .filter(pk=episode_id, starts_at__gt=now)
            .first()
        )
        if episode is None:  # another worker holds it, or it has started meanwhile
            return 0
        minutes_left = (episode.starts_at - now).total_seconds() / 60
        due_follows = (
            Follow.objects.filter(
                programme_id=episode.programme_id,
                mode=Follow.Mode.REMINDER,
                remind_minutes_before__gte=minutes_left,
                user__in=active_members(),
            )
            .exclude(
                Exists(
                    Notice.objects.filter(
                        user_id=OuterRef("user_id"), kind=Notice.Kind.REMINDER, episode=episode
                    )
                )
            )
            .select_related("user")
        )
        follows = list(due_follows.only("user__email", "user__full_name", "user__status"))
        if not follows:
            return 0
        context = _episode_context(episode)
        # Set-based (issue 18): the Notice rows and the outbox rows in one insert each;
        # the episode lock and the Notice exclusion above mean nothing here exists yet, and
        # the unique constraints (ON CONFLICT DO NOTHING) guard a race all the same.
        Notice.objects.bulk_create(
            [Notice(user=f.user, kind=Notice.Kind.REMINDER, episode=episode) for f in follows],
            ignore_conflicts=True,
        )
        if len(follows) >= ANALYZE_AFTER_ROWS:
            analyze_after_commit(Notice)
        sent = mails_enqueue_bulk(
            mails=[
                {
                    "to": f.user.email,
                    "template": "broadcasts_reminder",
                    "context": {**context, "name": f.user.display_name},
                    "recipient": f.user.pk,
                    "dedupe_key": f"broadcasts:reminder:{episode.pk}:{f.user.pk}",
                }
                for f in follows
            ]
        )
    return sent


def digests_send(*, now: dt.datetime | None = None) -> int:
    """Send today's digest to each member whose (earliest) chosen digest time has passed.

    One mail per member per JST day, listing the next 24 hours of every programme they follow
    in digest mode; nothing is sent (and nothing recorded) when none of them airs."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    today = local.date()
    due_users = (
        Follow.objects.filter(
            mode=Follow.Mode.DIGEST,
            digest_time__lte=local.time(),
            user__in=active_members(),
        )
        .exclude(
            Exists(
                Notice.objects.filter(
                    user_id=OuterRef("user_id"), kind=Notice.Kind.DIGEST, day=today
                )
            )
        )
        .values("user_id")
    )
    # Every digest-mode programme of a member who is due, whatever time each follow chose.
    follows = Follow.objects.filter(mode=Follow.Mode.DIGEST, user_id__in=due_users).values_list(
        "user_id", "programme_id"
    )
    programmes_by_user: dict[int, set[int]] = defaultdict(set)
    for user_id, programme_id in follows:
        programmes_by_user[user_id].add(programme_id)
    if not programmes_by_user:
        return 0
    all_programmes = set().union(*programmes_by_user.values())
    episodes = list(
        Episode.objects.filter(
            programme_id__in=all_programmes,
            starts_at__gt=now,
            starts_at__lte=now + DIGEST_WINDOW,
        )
        .select_related("programme")
        .prefetch_related("guests")
        .order_by("starts_at")
    )
    if not episodes:
        return 0
    contexts = {e.pk: _episode_context(e) for e in episodes}
    users = active_members().only("email", "full_name", "status").in_bulk(list(programmes_by_user))
    mails, notices = [], []
    for user_id, programme_ids in programmes_by_user.items():
        mine = [contexts[e.pk] for e in episodes if e.programme_id in programme_ids]
        user = users.get(user_id)
        if not mine or user is None:
            continue
        notices.append(Notice(user_id=user_id, kind=Notice.Kind.DIGEST, day=today))
        mails.append(
            {
                "to": user.email,
                "template": "broadcasts_digest",
                "context": {
                    "name": user.display_name,
                    "date": local.strftime("%Y年%m月%d日"),
                    "episodes": mine,
                },
                "recipient": user_id,
                "dedupe_key": f"broadcasts:digest:{today.isoformat()}:{user_id}",
            }
        )
    # Set-based (issue 18): one insert each, ON CONFLICT DO NOTHING. Members who already
    # had today's digest were excluded above (nothing rendered for them); a parallel scan
    # that got there first makes these inserts write nothing.
    with transaction.atomic():
        Notice.objects.bulk_create(notices, ignore_conflicts=True)
        if len(notices) >= ANALYZE_AFTER_ROWS:
            analyze_after_commit(Notice)
        return mails_enqueue_bulk(mails=mails)


def personal_data_erase(*, user: User, emails: list[str]) -> None:
    """退庁: the member's follows go (no reminder or digest can reach them again)."""
    Follow.objects.filter(user=user).delete()
