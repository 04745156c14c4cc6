"""Writes for notifications. Feature services call `notify()` — the one entry point — in
their own transaction, right where the cause happens (a post, a mention, an answer mark,
an RSVP promotion, a join approval, a moderation decision). Never from a signal.

    from notifications.services import Recipient, notify

    notify(kind="discussions.reply", object_id=post.pk, scope=f"section:{s.pk}",
           group=f"topic:{t.pk}", actor=author, watchers="reply", follow=True,
           recipients=[Recipient(u.pk, kind="discussions.mention", mail="mention")],
           mail_context={...})

Who hears about it: the direct `recipients` (unless they muted the topic, or the section
without following the topic), plus, with `watchers`, the members watching the section at
全件 (and 新しい話題のみ for a new topic) or following the topic; minus whoever may not read
it (the kind's `readers`), minus the actor. `everyone=True` (お知らせ) reaches every member
whatever their levels.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core import markup, plugins
from core.errors import ServiceError
from core.jst import JST, format_jst
from outbox.services import mail_enqueue

from . import registry, selectors
from .models import (
    DIGEST_LEVELS,
    MAIL_KINDS,
    Announcement,
    Digest,
    Level,
    Notification,
    Preference,
    Watch,
)

logger = logging.getLogger(__name__)


class NotificationError(ServiceError):
    """A notifications rule said no. Codes: invalid, forbidden, not_found, tampered, stale."""


@dataclass(frozen=True)
class Recipient:
    """Someone the cause involves directly: `kind` overrides the call's kind (a mention in
    a reply), `mail` is the immediate mail kind ("mention", "reply", "answer")."""

    user_id: int
    kind: str | None = None
    mail: str | None = None


def _members() -> Any:
    """Accounts that may receive anything: active, approved members and staff."""
    return User.objects.filter(is_active=True).filter(
        Q(status=User.Status.APPROVED) | Q(is_staff=True)
    )


def _absolute(url: str) -> str:
    return settings.SITE_URL + url if url.startswith("/") else url


# --- Levels -------------------------------------------------------------------------------


def _effective(scope_level: str | None, thread_level: str | None) -> str:
    if thread_level in (Level.MUTE, Level.FOLLOW):
        return thread_level
    return scope_level or Level.NORMAL


def _audience(
    *, scope: str, group: str, direct: dict[int, Recipient], watchers: str | None
) -> tuple[set[int], dict[int, Recipient]]:
    """(watcher ids, direct recipients who are not muted) for one cause."""
    channels = [c for c in (scope, group) if c]
    if not channels:
        return set(), dict(direct)
    wanted = [Level.ALL] + ([Level.NEW_TOPICS] if watchers == "new_thread" else [])
    query = Q(channel=group) if group else Q(pk__in=[])
    if scope:
        query |= Q(channel=scope, user_id__in=list(direct))
        if watchers:
            query |= Q(channel=scope, level__in=wanted)
    scope_levels: dict[int, str] = {}
    thread_levels: dict[int, str] = {}
    for user_id, channel, level in Watch.objects.filter(query).values_list(
        "user_id", "channel", "level"
    ):
        (thread_levels if channel == group and group else scope_levels)[user_id] = level
    watching: set[int] = set()
    if watchers:
        for user_id in set(scope_levels) | set(thread_levels):
            level = _effective(scope_levels.get(user_id), thread_levels.get(user_id))
            if level == Level.FOLLOW and watchers == "reply":
                watching.add(user_id)
            elif level in wanted:
                watching.add(user_id)
    kept = {
        user_id: r
        for user_id, r in direct.items()
        if _effective(scope_levels.get(user_id), thread_levels.get(user_id)) != Level.MUTE
    }
    return watching, kept


@transaction.atomic
def watch_set(*, user, channel: str, level: str, check: bool = True) -> Watch | None:
    """Set `user`'s level for `channel`. For a topic, 通常 removes the override (the
    section's level applies again). With `check`, the channel type must be registered and
    the member must be allowed to watch it (e.g. read the section)."""
    prefix, _, raw_id = channel.partition(":")
    if not raw_id.isdigit() or len(channel) > 40:
        raise NotificationError("通知の対象が正しくありません。")
    ctype = registry.channel_type(prefix)
    if check:
        if ctype is None:
            raise NotificationError("通知の対象が正しくありません。")
        if level not in ctype.levels and not (level == Level.NORMAL and prefix != "section"):
            raise NotificationError("通知レベルを選んでください。")
        if int(raw_id) not in ctype.may_watch(user, [int(raw_id)]):
            raise NotificationError("この対象の通知は設定できません。", "not_found")
    if level not in Level.values:
        raise NotificationError("通知レベルを選んでください。")
    if level == Level.NORMAL and prefix != "section":
        Watch.objects.filter(user=user, channel=channel).delete()
        return None
    watch, _ = Watch.objects.update_or_create(
        user=user, channel=channel, defaults={"level": level, "updated_at": timezone.now()}
    )
    return watch


def watch_joined(*, user, channel: str) -> Watch | None:
    """A member joined (e.g. a section): their level becomes 新しい話題のみ."""
    return watch_set(user=user, channel=channel, level=Level.NEW_TOPICS, check=False)


def watches_joined(*, pairs: Iterable[tuple[int, str]]) -> int:
    """Many joins at once (demo data, imports): 新しい話題のみ for each (user id, channel)
    that has no level yet."""
    rows = [Watch(user_id=u, channel=c, level=Level.NEW_TOPICS) for u, c in pairs]
    Watch.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(rows)


@transaction.atomic
def watch_left(*, user, channel: str) -> int:
    """A member left a channel (e.g. a section): their level goes, and notifications about
    what they may no longer read there are withdrawn. Returns how many were withdrawn."""
    Watch.objects.filter(user=user, channel=channel).delete()
    return notifications_recheck(user=user, scope=channel)


def _follow(user_id: int, group: str) -> None:
    """Posting in a thread follows it, unless the member muted it."""
    Watch.objects.get_or_create(
        user_id=user_id,
        channel=group,
        defaults={"level": Level.FOLLOW, "updated_at": timezone.now()},
    )


# --- The one entry point ------------------------------------------------------------------


@transaction.atomic
def notify(
    *,
    kind: str,
    object_id: int | None = None,
    scope: str = "",
    group: str = "",
    actor=None,
    recipients: Iterable[Recipient | int] = (),
    watchers: str | None = None,
    everyone: bool = False,
    follow: bool = False,
    text: str = "",
    url: str = "",
    mail_context: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> list[Notification]:
    """Write the notifications for one cause, in the caller's transaction, and queue the
    immediate mails of direct recipients who want them. Returns the rows written.

    `watchers`: None, "new_thread" (section watchers at 全件 and 新しい話題のみ) or "reply"
    (全件 and the thread's followers). `follow`: the actor now follows `group`. Kinds
    without a resolver need `text` and `url` (shown as they are)."""
    now = now or timezone.now()
    main = registry.kind(kind)
    actor_id = getattr(actor, "pk", None)
    if follow and actor_id and group:
        _follow(actor_id, group)
    direct: dict[int, Recipient] = {}
    for item in recipients:
        r = item if isinstance(item, Recipient) else Recipient(int(item))
        registry.kind(r.kind or kind)  # unknown kinds raise
        direct.setdefault(r.user_id, r)
    if everyone:
        watching = set(_members().values_list("pk", flat=True))
        kept = dict(direct)
    else:
        watching, kept = _audience(scope=scope, group=group, direct=direct, watchers=watchers)
    wanted = (watching | set(kept)) - {actor_id}
    if not wanted:
        return []
    if not everyone:
        wanted &= set(_members().filter(pk__in=wanted).values_list("pk", flat=True))
    readers_fns: dict[Any, set[int]] = {}
    if object_id is not None and not everyone:
        for name in {kind, *(r.kind for r in kept.values() if r.kind)}:
            fn = registry.kind(name).readers
            if fn is not None and fn not in readers_fns:
                readers_fns[fn] = fn(object_id, set(wanted))
    if main.resolve is None and not text:
        raise NotificationError("通知の本文がありません。")

    def may_read(user_id: int, name: str) -> bool:
        fn = registry.kind(name).readers
        return fn is None or object_id is None or everyone or user_id in readers_fns[fn]

    rows = []
    for user_id in sorted(wanted):
        r = kept.get(user_id)  # type: ignore[assignment]  # None when the member has no row yet
        name = (r.kind if r and r.kind else None) or kind
        if not may_read(user_id, name):
            continue
        rows.append(
            Notification(
                recipient_id=user_id,
                kind=name,
                object_id=object_id,
                group=group or f"{name}:{object_id or ''}:{now.timestamp()}",
                scope=scope,
                actor_id=actor_id,
                text=text[:200],
                url=url[:300],
                created_at=now,
            )
        )
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    mailed = [
        (row.recipient_id, kept[row.recipient_id].mail)
        for row in rows
        if row.recipient_id in kept and kept[row.recipient_id].mail
    ]
    if mailed:
        _mail_immediate(
            mailed,  # type: ignore[arg-type]  # kinds with mail set have a mail name
            kind=kind,
            object_id=object_id,
            context=mail_context or {},
            url=url,
            now=now,
        )
    return rows


# --- Immediate mails ----------------------------------------------------------------------


def unsubscribe_token(*, user_id: int, mail: str) -> str:
    """A signed token for one member and one mail kind (no login needed to use it)."""
    return signing.dumps([user_id, mail], salt="notifications.unsubscribe", compress=True)


def unsubscribe_url(*, user_id: int, mail: str) -> str:
    token = unsubscribe_token(user_id=user_id, mail=mail)
    return settings.SITE_URL + reverse("notifications:unsubscribe", args=[token])


def mail_headers(*, user_id: int, mail: str) -> dict[str, str]:
    """RFC 2369 / RFC 8058 one-click unsubscribe headers for one notification mail."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(user_id=user_id, mail=mail)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _mail_context(user: User, mail: str) -> dict[str, Any]:
    return {
        "name": user.display_name,
        "unsubscribe_url": unsubscribe_url(user_id=user.pk, mail=mail),
        "unsubscribe_label": MAIL_KINDS[mail],
        "settings_url": settings.SITE_URL + reverse("notifications:settings"),
    }


def _preferences(user_ids: Iterable[int]) -> dict[int, Preference]:
    found = {p.user_id: p for p in Preference.objects.filter(user_id__in=list(user_ids))}
    return {uid: found.get(uid) or Preference(user_id=uid) for uid in user_ids}


def _mail_immediate(
    mailed: list[tuple[int, str]],
    *,
    kind: str,
    object_id: int | None,
    context: dict[str, Any],
    url: str,
    now: datetime,
) -> None:
    ids = [user_id for user_id, _ in mailed]
    users = {u.pk: u for u in _members().filter(pk__in=ids)}
    prefs = _preferences(ids)
    for user_id, mail in mailed:
        user = users.get(user_id)
        if user is None or not prefs[user_id].mail_on(mail):
            continue
        link = context.get("url") or url
        mail_enqueue(
            to=user.email,
            template=f"notifications_{mail}",
            context={**context, "url": _absolute(link), **_mail_context(user, mail)},
            recipient=user,
            dedupe_key=f"notifications:{mail}:{kind}:{object_id}:{user_id}",
            headers=mail_headers(user_id=user_id, mail=mail),
        )


# --- Withdrawal and recheck (what the member can no longer read) ---------------------------


def _rows(*, kinds: Iterable[str] | None, object_ids, group: str | None, scope: str | None):
    rows = Notification.objects.all()
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    if object_ids is not None:
        rows = rows.filter(object_id__in=list(object_ids))
    if group:
        rows = rows.filter(group=group)
    if scope:
        rows = rows.filter(scope=scope)
    return rows


@transaction.atomic
def notifications_withdraw(
    *,
    kinds: Iterable[str] | None = None,
    object_ids: Iterable[int] | None = None,
    group: str | None = None,
    scope: str | None = None,
    keep_user_ids: Iterable[int] = (),
    now: datetime | None = None,
) -> int:
    """The feature made something unreadable (a post hidden or deleted, a topic deleted):
    its notifications leave every inbox (but those of `keep_user_ids`, e.g. the author
    of a hidden post, who still sees it) and the unread counts at once."""
    if object_ids is None and not group and not scope:
        raise NotificationError("取り下げる通知の対象がありません。")
    rows = _rows(kinds=kinds, object_ids=object_ids, group=group, scope=scope)
    return (
        rows.filter(withdrawn_at__isnull=True)
        .exclude(recipient_id__in=list(keep_user_ids))
        .update(withdrawn_at=now or timezone.now())
    )


@transaction.atomic
def notifications_restore(
    *,
    kinds: Iterable[str] | None = None,
    object_ids: Iterable[int] | None = None,
    group: str | None = None,
    scope: str | None = None,
) -> int:
    """Undo a withdrawal (a hidden post shown again), for the recipients who may read it
    again (the kind's `readers`, one call per object)."""
    if object_ids is None and not group and not scope:
        raise NotificationError("戻す通知の対象がありません。")
    rows = _rows(kinds=kinds, object_ids=object_ids, group=group, scope=scope).filter(
        withdrawn_at__isnull=False
    )
    pending: dict[tuple[str, int | None], set[int]] = {}
    for kind, object_id, user_id in rows.values_list("kind", "object_id", "recipient_id"):
        pending.setdefault((kind, object_id), set()).add(user_id)
    restored = 0
    for (kind, object_id), user_ids in pending.items():
        readers = registry.kind(kind).readers
        ok = user_ids if readers is None or object_id is None else readers(object_id, user_ids)
        if ok:
            restored += rows.filter(
                kind=kind, object_id=object_id, recipient_id__in=list(ok)
            ).update(withdrawn_at=None)
    return restored


@transaction.atomic
def notifications_recheck(*, user, scope: str | None = None, group: str | None = None) -> int:
    """Ask the kinds again what `user` may read among their notifications in `scope` (or
    `group`), and withdraw the rest (e.g. after leaving a 課員のみ section). A bounded number
    of queries: one per kind resolver. Returns how many were withdrawn."""
    rows = Notification.objects.filter(recipient=user, withdrawn_at__isnull=True)
    if scope:
        rows = rows.filter(scope=scope)
    if group:
        rows = rows.filter(group=group)
    by_resolver: dict[Any, dict[int, list[int]]] = {}
    for pk, kind, object_id in rows.exclude(object_id=None).values_list("pk", "kind", "object_id"):
        resolve = registry.kind(kind).resolve
        if resolve is not None:
            by_resolver.setdefault(resolve, {}).setdefault(object_id, []).append(pk)  # type: ignore[arg-type]  # object_id=None excluded above
    gone: list[int] = []
    for resolve, objects in by_resolver.items():
        readable = resolve(user, list(objects))
        for object_id, pks in objects.items():
            if object_id not in readable:
                gone.extend(pks)
    if gone:
        Notification.objects.filter(pk__in=gone).update(withdrawn_at=timezone.now())
    return len(gone)


# --- Reading the inbox --------------------------------------------------------------------


@transaction.atomic
def notifications_mark_read(
    *, user, group: str | None = None, ids: Iterable[int] = (), now: datetime | None = None
) -> int:
    """Mark the member's notifications of `group` (or with `ids`) read."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    ids = list(ids)
    if group:
        rows = rows.filter(group=group)
    elif ids:
        rows = rows.filter(pk__in=ids)
    else:
        return 0
    plugins.user_value_forget(user, selectors.UNREAD)
    return rows.update(read_at=now or timezone.now())


@transaction.atomic
def notifications_mark_all_read(*, user, now: datetime | None = None) -> int:
    plugins.user_value_forget(user, selectors.UNREAD)
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )


# --- Preferences and unsubscribing --------------------------------------------------------


@transaction.atomic
def preference_update(*, user, digest: str, **mails: bool) -> Preference:
    """Set the member's mail switches (`mention`, `reply`, `answer`) and digest."""
    if digest not in Digest.values:
        raise NotificationError("ダイジェストの頻度を選んでください。")
    pref, _ = Preference.objects.select_for_update().get_or_create(user=user)
    for mail, on in mails.items():
        if mail not in MAIL_KINDS or mail == "digest":
            raise NotificationError("メールの種類が正しくありません。")
        setattr(pref, f"mail_{mail}", bool(on))
    pref.digest = digest
    pref.updated_at = timezone.now()
    pref.save()
    return pref


UNSUBSCRIBE_MAX_AGE = timedelta(days=365)


def unsubscribe_check(token: str, *, now: datetime | None = None) -> tuple[User, str]:
    """(member, mail kind) of a valid token; NotificationError "tampered" or "stale"."""
    try:
        user_id, mail = signing.loads(
            token, salt="notifications.unsubscribe", max_age=UNSUBSCRIBE_MAX_AGE
        )
    except signing.SignatureExpired as exc:
        raise NotificationError("このリンクは有効期限が切れています。", "stale") from exc
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise NotificationError("このリンクは正しくありません。", "tampered") from exc
    if mail not in MAIL_KINDS or not isinstance(user_id, int):
        raise NotificationError("このリンクは正しくありません。", "tampered")
    user = User.objects.filter(pk=user_id).first()
    if user is None or user.status == User.Status.WITHDRAWN:
        raise NotificationError("このリンクは使えなくなりました。", "stale")
    return user, mail


@transaction.atomic
def unsubscribe_apply(*, token: str) -> tuple[User, str]:
    """One-click unsubscribe (RFC 8058): turn one mail kind off for the token's member.
    Idempotent; a bad token changes nothing."""
    user, mail = unsubscribe_check(token)
    pref, _ = Preference.objects.select_for_update().get_or_create(user=user)
    if mail == "digest":
        pref.digest = Digest.OFF
    else:
        setattr(pref, f"mail_{mail}", False)
    pref.updated_at = timezone.now()
    pref.save()
    return user, mail


# --- お知らせ and decisions ----------------------------------------------------------------


@transaction.atomic
def announcement_publish(
    *, actor, title: str, body: str, now: datetime | None = None
) -> Announcement:
    """Staff publish an お知らせ: every member gets it in the inbox, whatever their levels."""
    if not getattr(actor, "is_staff", False):
        raise NotificationError("お知らせを配信できるのは事務局だけです。", "forbidden")
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        raise NotificationError("題名と本文を入力してください。")
    if len(title) > 120 or len(body) > 5000:
        raise NotificationError("題名は120文字、本文は5,000文字以内にしてください。")
    now = now or timezone.now()
    announcement = Announcement.objects.create(
        title=title,
        body=body,
        body_html=markup.render(body),
        created_by=actor,
        created_at=now,
        published_at=now,
    )
    notify(
        kind="announcement",
        object_id=announcement.pk,
        everyone=True,
        actor=actor,
        group=f"announcement:{announcement.pk}",
        text=title,
        url=reverse("notifications:announcement", args=[announcement.pk]),
        now=now,
    )
    return announcement


def moderation_decision_notify(
    *,
    decision_id: int,
    user_ids: Iterable[int],
    text: str,
    url: str = "",
    now: datetime | None = None,
) -> list[Notification]:
    """For the moderation app: tell the author and/or reporters of a decision (e.g.
    「ご報告いただいた投稿を非表示にしました」). `text` is the system's sentence (no quote of
    the content), `url` a path the recipients may open (or empty). Call it in the
    decision's transaction; once per (recipient, decision)."""
    return notify(
        kind="moderation_decision",
        object_id=decision_id,
        recipients=list(user_ids),
        text=text,
        url=url or reverse("notifications:inbox"),
        now=now,
    )


# --- Digests ------------------------------------------------------------------------------

DIGEST_HOUR_JST = 7


def digest_due(freq: str, now: datetime) -> tuple[str, datetime, timedelta] | None:
    """(period key, when it became due, its length) of the latest period of `freq` that
    is due at `now`: every day at 7:00 JST, or Monday 7:00 JST."""
    local = now.astimezone(JST)
    due = local.replace(hour=DIGEST_HOUR_JST, minute=0, second=0, microsecond=0)
    if freq == Digest.DAILY:
        if local < due:
            due -= timedelta(days=1)
        return f"d:{due:%Y-%m-%d}", due, timedelta(days=1)
    if freq == Digest.WEEKLY:
        due -= timedelta(days=local.weekday())
        if local < due:
            due -= timedelta(days=7)
        year, week, _ = due.isocalendar()
        return f"w:{year}-W{week:02d}", due, timedelta(days=7)
    return None


def _digest_candidates_prepare() -> None:
    """Members who watch a channel at a digest level get a preference row (defaults), so
    the scan can lock rows. Idempotent."""
    ids = (
        Watch.objects.filter(level__in=DIGEST_LEVELS)
        .exclude(user__notification_preference__isnull=False)
        .values_list("user_id", flat=True)
        .distinct()
    )
    Preference.objects.bulk_create(
        [Preference(user_id=uid) for uid in ids], ignore_conflicts=True, batch_size=2000
    )


def _digest_scan(freq: str, key: str):
    return Preference.objects.filter(digest=freq).exclude(digest_period=key)


@dataclass
class DigestRun:
    sent: int = 0
    skipped: int = 0


def digests_send(*, now: datetime | None = None, batch: int = 500) -> DigestRun:
    """Build and queue the due digests (daily and weekly), `batch` members per
    transaction. Each member's preference row is locked (SKIP LOCKED) and marked with the
    period, and the mail carries the dedupe key notifications:digest:<user>:<period>, so a
    second run or a second worker sends nothing twice. Suspended and withdrawn members
    get none; a digest with nothing new is skipped (the period is still marked)."""
    now = now or timezone.now()
    _digest_candidates_prepare()
    run = DigestRun()
    cache: dict[datetime, dict[str, registry.ChannelActivity]] = {}
    for freq in (Digest.DAILY, Digest.WEEKLY):
        due = digest_due(freq, now)
        assert due is not None
        key, due_at, length = due
        while True:
            done = _digest_batch(freq, key, due_at - length, now, batch, cache, run)
            if not done:
                break
    return run


def _digest_batch(freq, key, default_since, now, batch, cache, run) -> int:
    with transaction.atomic():
        prefs = list(
            _digest_scan(freq, key)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("user")
            .order_by("pk")[:batch]
        )
        if not prefs:
            return 0
        user_ids = [p.user_id for p in prefs]
        watched: dict[int, list[str]] = {}
        for user_id, channel in (
            Watch.objects.filter(user_id__in=user_ids, level__in=DIGEST_LEVELS)
            .order_by("channel")
            .values_list("user_id", "channel")
        ):
            watched.setdefault(user_id, []).append(channel)
        channels = sorted({c for cs in watched.values() for c in cs})
        muted: dict[int, set[str]] = {}
        for user_id, channel in Watch.objects.filter(
            user_id__in=user_ids, level=Level.MUTE
        ).values_list("user_id", "channel"):
            muted.setdefault(user_id, set()).add(channel)
        readable: dict[int, set[str]] = {}
        for source in registry.digest_sources():
            for user_id, found in source.readable(user_ids, channels).items():
                readable.setdefault(user_id, set()).update(found)
        for pref in prefs:
            user = pref.user
            since = pref.digest_last_at or default_since
            mine = [c for c in watched.get(pref.user_id, []) if c in readable.get(user.pk, ())]
            activity = _activity(cache, since, now, mine) if mine and user.is_member else {}
            hers = muted.get(pref.user_id, set())
            seen = [activity[c].without(hers) for c in mine if c in activity]
            shown = [a for a in seen if not a.empty]
            if user.is_member and user.status != User.Status.SUSPENDED and shown:
                mail = mail_enqueue(
                    to=user.email,
                    template="notifications_digest",
                    context=_digest_context(user, freq, since, now, shown),
                    recipient=user,
                    dedupe_key=f"notifications:digest:{user.pk}:{key}",
                    headers=mail_headers(user_id=user.pk, mail="digest"),
                )
                if mail is not None:
                    run.sent += 1
            else:
                run.skipped += 1
            pref.digest_period = key
            pref.digest_last_at = now
        Preference.objects.bulk_update(prefs, ["digest_period", "digest_last_at"])
        return len(prefs)


def _activity(cache, since, until, channels) -> dict[str, registry.ChannelActivity]:
    found = cache.setdefault(since, {})
    missing = [c for c in channels if c not in found]
    if missing:
        for source in registry.digest_sources():
            found.update(source.activity(missing, since, until))
        for c in missing:
            found.setdefault(c, registry.ChannelActivity(c, "", ""))
    return {c: found[c] for c in channels}


def _digest_context(user, freq, since, until, shown) -> dict[str, Any]:
    return {
        **_mail_context(user, "digest"),
        "frequency": Digest(freq).label,
        "since": format_jst(since),
        "until": format_jst(until),
        "inbox_url": settings.SITE_URL + reverse("notifications:inbox"),
        "channels": [
            {
                "label": a.label,
                "url": _absolute(a.url),
                "new_topics": a.new_topics,
                "replies": a.replies,
                "items": [
                    {"title": i.title, "url": _absolute(i.url), "replies": i.replies, "new": i.new}
                    for i in a.items[: a.shown]
                ],
            }
            for a in shown
        ],
    }


# --- Withdrawal (退庁) --------------------------------------------------------------------


def personal_data_erase(*, user, emails: list[str]) -> None:
    """notifications' part of withdrawal: the member's inbox, levels and settings go;
    notifications they caused for others no longer name them."""
    Notification.objects.filter(recipient=user).delete()
    Notification.objects.filter(actor=user).update(actor=None)
    Watch.objects.filter(user=user).delete()
    Preference.objects.filter(user=user).delete()
