"""Reads for notifications: the bell, the inbox (grouped), levels and settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from core import plugins

from . import registry
from .models import (
    LEVEL_HELP,
    SECTION_LEVELS,
    TOPIC_LEVELS,
    Announcement,
    Level,
    Notification,
    Preference,
    Watch,
)

INBOX_PAGE_SIZE = 20


def _shown(user):
    return Notification.objects.filter(recipient=user, withdrawn_at__isnull=True)


def _unread(user):
    """The bell's rows (on the partial index `notification_unread`); `user` may be an
    `OuterRef`."""
    return _shown(user).filter(read_at__isnull=True)


UNREAD = "notifications_unread"


def unread_expression(now=None):
    """The bell's count as a subquery of the query that loads the signed-in user
    (`core.plugins.UserAnnotation`, registered in apps.py)."""
    rows = (
        _unread(OuterRef("pk")).order_by().values("recipient").annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(rows), 0)


def unread_count(user) -> int:
    """The bell: unread notifications still shown. Loaded with `request.user` (no query of
    its own); a user fetched any other way costs one query, on a partial index."""
    return plugins.user_value(user, UNREAD, lambda: _unread(user).count())


@dataclass
class Line:
    kind: registry.Kind
    count: int
    unread: int

    @property
    def text(self) -> str:
        return self.kind.line(self.count)


@dataclass
class Group:
    """One entry of the inbox: everything about one topic (or one お知らせ)."""

    key: str
    latest: Any
    unread: int
    total: int
    first_id: int  # the notification the entry opens (the first unread, else the latest)
    title: str = ""
    url: str = ""
    place: str = ""
    lines: list[Line] = field(default_factory=list)
    actor_names: list[str] = field(default_factory=list)


def _targets(user, reps: list[Notification]) -> dict[int, registry.Target]:
    """{notification id: Target} for the representatives that may still be shown: one
    query per resolver (kinds of one feature share it), none for text kinds."""
    out: dict[int, registry.Target] = {}
    by_resolver: dict[Any, list[Notification]] = {}
    for row in reps:
        kind = registry.kind(row.kind)
        if kind.resolve is None or row.object_id is None:
            out[row.pk] = registry.Target(row.text, row.url)
        else:
            by_resolver.setdefault(kind.resolve, []).append(row)
    for resolve, rows in by_resolver.items():
        found = resolve(user, sorted({r.object_id for r in rows if r.object_id is not None}))
        for row in rows:
            if row.object_id in found:
                out[row.pk] = found[row.object_id]
    return out


def inbox_page(*, user, page: Any = 1, unread_only: bool = False) -> tuple[Page, list[Group]]:
    """The member's inbox, newest first, one entry per topic (「3件の新しい返信」),
    paginated; a constant number of queries whatever the number of notifications."""
    rows = _shown(user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    grouped = (
        rows.values("group")
        .annotate(
            latest=Max("created_at"),
            total=Count("id"),
            unread=Count("id", filter=Q(read_at__isnull=True)),
            last_id=Max("id"),
        )
        .order_by("-latest", "-last_id")
    )
    paginator = Paginator(grouped, INBOX_PAGE_SIZE)
    try:
        current = paginator.page(page)
    except Exception:  # out of range or not a number: the first page
        current = paginator.page(1)
    keys = [g["group"] for g in current.object_list]
    per_kind = (
        rows.filter(group__in=keys)
        .values("group", "kind")
        .annotate(
            n=Count("id"),
            unread=Count("id", filter=Q(read_at__isnull=True)),
            last_id=Max("id"),
            first_unread=Min("id", filter=Q(read_at__isnull=True)),
        )
        .order_by()
    )
    per_kind = list(per_kind)
    wanted_ids = {k["last_id"] for k in per_kind} | {
        k["first_unread"] for k in per_kind if k["first_unread"]
    }
    reps = {
        r.pk: r
        for r in Notification.objects.filter(pk__in=wanted_ids).select_related("actor").order_by()
    }
    targets = _targets(user, list(reps.values()))
    groups: list[Group] = []
    for g in current.object_list:
        mine = [k for k in per_kind if k["group"] == g["group"]]
        firsts = [k["first_unread"] for k in mine if k["first_unread"]]
        first_id = min(firsts) if firsts else g["last_id"]
        shown_reps = [reps[k["last_id"]] for k in mine if k["last_id"] in targets]
        if first_id not in targets and shown_reps:
            first_id = shown_reps[0].pk
        if first_id not in targets:
            continue  # nothing of it may be read now
        target = targets[first_id]
        group = Group(
            key=g["group"],
            latest=g["latest"],
            unread=g["unread"],
            total=g["total"],
            first_id=first_id,
            title=target.title,
            url=target.url,
            place=target.place,
        )
        order = {"discussions.mention": 0, "discussions.answer": 1}
        for k in sorted(mine, key=lambda k: (order.get(k["kind"], 5), k["kind"])):
            group.lines.append(Line(registry.kind(k["kind"]), k["n"], k["unread"]))
        names = []
        for rep in shown_reps:
            if rep.actor is not None and rep.actor.display_name not in names:
                names.append(rep.actor.display_name)
        group.actor_names = names
        groups.append(group)
    return current, groups


def notification_target(*, user, notification_id: int) -> tuple[Notification, registry.Target]:
    """One of the member's notifications with where it leads; 404 when it is not theirs or
    no longer readable."""
    row = _shown(user).filter(pk=notification_id).first()
    if row is None:
        raise Http404("お知らせが見つかりません。")
    target = _targets(user, [row]).get(row.pk)
    if target is None:
        raise Http404("このお知らせの内容は読めなくなりました。")
    return row, target


# --- Levels -------------------------------------------------------------------------------


def level_of(*, user, channel: str) -> str:
    row = Watch.objects.filter(user=user, channel=channel).values_list("level", flat=True)
    return row.first() or Level.NORMAL


def levels_of(*, user, channels: list[str]) -> dict[str, str]:
    found = dict(
        Watch.objects.filter(user=user, channel__in=channels).values_list("channel", "level")
    )
    return {c: found.get(c, Level.NORMAL) for c in channels}


def watched_ids(*, user, prefix: str) -> set[int]:
    """The ids of the channels of type `prefix` the member set a level for."""
    keys = Watch.objects.filter(user=user, channel__startswith=f"{prefix}:").values_list(
        "channel", flat=True
    )
    return {int(k.split(":", 1)[1]) for k in keys}


def level_choices(channel: str) -> list[dict[str, str]]:
    levels = SECTION_LEVELS if channel.startswith("section:") else (Level.NORMAL, *TOPIC_LEVELS)
    labels = {Level.NORMAL: "通常（課の設定に従う）"} if not channel.startswith("section:") else {}
    return [
        {"value": lv.value, "label": labels.get(lv, lv.label), "help": LEVEL_HELP[lv]}
        for lv in levels
    ]


def watch_panel(*, user, channel: str, level: str | None = None) -> dict[str, Any]:
    """Context for `notifications/_watch_form.html` (one query unless `level` is given)."""
    current = level if level is not None else level_of(user=user, channel=channel)
    return {
        "watch_channel": channel,
        "watch_level": current,
        "watch_label": Level(current).label,
        "watch_choices": level_choices(channel),
    }


def settings_rows(*, user) -> list[dict[str, Any]]:
    """Every channel the sources list for the member, with its level (bounded queries)."""
    channels: list[registry.Channel] = []
    for source in registry.channel_sources():
        channels.extend(source.channels(user))
    levels = levels_of(user=user, channels=[c.key for c in channels])
    return [
        {
            "channel": c,
            "level": levels[c.key],
            "choices": level_choices(c.key),
        }
        for c in channels
    ]


def preference_of(user) -> Preference:
    return Preference.objects.filter(user=user).first() or Preference(user=user)


def announcement_get(*, announcement_id: int) -> Announcement:
    found = Announcement.objects.filter(pk=announcement_id, published_at__isnull=False).first()
    if found is None:
        raise Http404("お知らせが見つかりません。")
    return found
