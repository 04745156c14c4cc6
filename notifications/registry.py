"""Where feature apps plug into notifications; notifications never imports them.

From a feature's `AppConfig.ready()` (discussions, sections, events, moderation):

    from notifications import registry

    registry.register_kind(registry.Kind(
        "discussions.reply", "返信", many="{n}件の新しい返信",
        resolve=targets, readers=readers, mail="reply"))
    registry.register_channel_type(registry.ChannelType("section", may_watch, levels=...))
    registry.register_channel_source(registry.ChannelSource("sections", my_channels))
    registry.register_digest_source(registry.DigestSource("discussions", activity, readable))

Every callable takes a batch (never one row at a time), so the inbox, the settings page and
the digest stay at a bounded number of queries whatever the number of rows.

Channels are strings "<type>:<id>" (e.g. "section:12", "topic:345"): a member watches a
channel at a level; a notification names the channel it happened in (`scope`, e.g. the
section) and the thread it belongs to (`group`, e.g. the topic), which the inbox groups by.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Target:
    """What one notification points at, as the member may see it now."""

    title: str
    url: str
    place: str = ""  # e.g. the section's name


# resolve(user, object_ids) -> {object_id: Target} for the objects `user` may read now;
# an id missing from the answer is not shown (left the section, hidden, deleted).
Resolve = Callable[[Any, list[int]], dict[int, Target]]
# readers(object_id, user_ids) -> the ids among user_ids who may read the object now.
Readers = Callable[[int, set[int]], set[int]]


@dataclass(frozen=True)
class Kind:
    """A kind of notification.

    `label` names one ("返信"); `many` the group line, with `{n}` ("{n}件の新しい返信").
    Kinds with `resolve` point at an object of the feature (`object_id`) and are shown
    only while `resolve` answers for it; kinds without it carry their own text and URL
    (written when notified: お知らせ, a join approval, a moderation decision) and are
    always shown. `readers` filters the recipients when notifying (and when a feature
    asks for a recheck). `mail` is the mail kind sent at once for a direct recipient
    who has it on (see MAIL_KINDS in notifications.models)."""

    name: str
    label: str
    many: str = "{n}件の{label}"
    resolve: Resolve | None = None
    readers: Readers | None = None
    mail: str | None = None
    icon: str = "・"

    def line(self, n: int) -> str:
        if n <= 1:
            return self.label
        return self.many.format(n=n, label=self.label)


_kinds: dict[str, Kind] = {}


def register_kind(kind: Kind) -> Kind:
    _kinds[kind.name] = kind
    return kind


def kind(name: str) -> Kind:
    """The registered kind; an unknown name is a bug and raises KeyError."""
    return _kinds[name]


def kinds() -> list[Kind]:
    return [_kinds[name] for name in sorted(_kinds)]


@dataclass(frozen=True)
class ChannelType:
    """A kind of channel members may watch ("section", "topic"). `may_watch(user, ids)`
    returns the ids among `ids` that `user` may set a level for; `levels` are the levels
    offered (values of notifications.models.Level)."""

    prefix: str
    may_watch: Callable[[Any, list[int]], set[int]]
    levels: tuple[str, ...]
    label: str = ""


_channel_types: dict[str, ChannelType] = {}


def register_channel_type(item: ChannelType) -> ChannelType:
    _channel_types[item.prefix] = item
    return item


def channel_type(prefix: str) -> ChannelType | None:
    return _channel_types.get(prefix)


@dataclass(frozen=True)
class Channel:
    key: str  # "section:12"
    label: str  # "子育て支援課"
    url: str = ""
    group: str = ""  # e.g. the department, for the settings page


@dataclass(frozen=True)
class ChannelSource:
    """The channels listed on the settings page for a member: `channels(user)` (one or two
    queries), e.g. the sections they belong to."""

    name: str
    channels: Callable[[Any], list[Channel]]
    order: int = 100


_channel_sources: dict[str, ChannelSource] = {}


def register_channel_source(item: ChannelSource) -> ChannelSource:
    _channel_sources[item.name] = item
    return item


def channel_sources() -> list[ChannelSource]:
    return sorted(_channel_sources.values(), key=lambda s: (s.order, s.name))


@dataclass
class DigestItem:
    title: str
    url: str
    replies: int = 0
    new: bool = False
    channel: str = ""  # the item's own channel (a topic), so that a member's mute drops it


@dataclass
class ChannelActivity:
    """What happened in one channel during a digest window (for every reader alike)."""

    channel: str
    label: str
    url: str
    new_topics: int = 0
    replies: int = 0
    items: list[DigestItem] = field(default_factory=list)  # ranked; the digest shows the first few
    shown: int = 5

    @property
    def empty(self) -> bool:
        return not (self.new_topics or self.replies)

    def without(self, muted: set[str]) -> ChannelActivity:
        """This activity as seen by a member who muted the channels in `muted` (topics):
        their items are gone and the counts are those of the rest. `items` must then hold
        every item of the window, not only the first few."""
        kept = [i for i in self.items if not (i.channel and i.channel in muted)]
        if len(kept) == len(self.items):
            return self
        gone = [i for i in self.items if i.channel and i.channel in muted]
        return ChannelActivity(
            self.channel,
            self.label,
            self.url,
            new_topics=self.new_topics - sum(1 for i in gone if i.new),
            replies=self.replies - sum(i.replies for i in gone),
            items=kept,
            shown=self.shown,
        )


@dataclass(frozen=True)
class DigestSource:
    """What the digest reports. `activity(channels, since, until)` → {channel:
    ChannelActivity} over visible content only (no hidden or deleted post), computed once
    for all members; `readable(user_ids, channels)` → {user_id: set of channels} that each
    member may read now (e.g. a 課員のみ section only for its members)."""

    name: str
    activity: Callable[[list[str], datetime, datetime], dict[str, ChannelActivity]]
    readable: Callable[[Iterable[int], list[str]], dict[int, set[str]]]


_digest_sources: dict[str, DigestSource] = {}


def register_digest_source(item: DigestSource) -> DigestSource:
    _digest_sources[item.name] = item
    return item


def digest_sources() -> list[DigestSource]:
    return [_digest_sources[name] for name in sorted(_digest_sources)]
