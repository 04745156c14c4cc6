"""Owners of events plug in here: who may see an event, who may register, where it lives.

An owning app (sections for meetings, trainings for trainings) registers one policy per
`Event.kind` in its `AppConfig.ready()`:

    from events.registry import EventOwner, register_owner

    class TrainingOwner(EventOwner):
        kind = "training"
        related = ("training",)            # select_related path from Event to the owner
        confirm_by_mail = True             # confirmation mail with personal link + .ics

        def check_eligible(self, event, user): ...
        def can_view(self, event, user): ...
        def url(self, event): ...

    register_owner(TrainingOwner())

The events app never imports its owners; it asks the registry."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


class EventOwner:
    """Default policy: every member may see and register. Subclass and override."""

    kind: str = ""
    label: str = "イベント"
    # select_related paths (from Event) that url()/context() need, for list pages.
    related: tuple[str, ...] = ()
    # Send the "events_confirmed" mail (personal link + .ics) when a seat is confirmed.
    confirm_by_mail: bool = False

    def can_view(self, event, user) -> bool:
        return bool(user.is_authenticated and user.is_member)

    def check_eligible(self, event, user) -> str | None:
        """None if `user` may register, else a message that says why not (Japanese)."""
        return None

    def url(self, event) -> str:
        return ""

    def context(self, event) -> dict[str, Any]:
        """Extra JSON-serialisable context for mails (e.g. the section name)."""
        return {"owner_label": self.label}

    def calendar_notes(self, event) -> list[str]:
        """Lines put first in the event's calendar DESCRIPTION (e.g. the series a meeting
        belongs to). Must not query: list pages select `related` first."""
        return []


_owners: dict[str, EventOwner] = {}


def register_owner(owner: EventOwner) -> EventOwner:
    if not owner.kind:
        raise ValueError("EventOwner.kind must be set")
    _owners[owner.kind] = owner
    return owner


def owner_for(event_or_kind) -> EventOwner:
    kind = getattr(event_or_kind, "kind", event_or_kind)
    return _owners.get(kind) or EventOwner()


def all_related() -> list[str]:
    paths: list[str] = []
    for owner in _owners.values():
        paths.extend(owner.related)
    return paths


# --- Calendar feed providers --------------------------------------------------------------
# A provider takes a user and yields icalendar.Event components for their private feed, and
# says in one Japanese line what it puts there (the calendar page lists these lines, so the
# page describes exactly what the feed holds). events registers its own (confirmed
# registrations); broadcasts adds followed episodes.
FeedProvider = Callable[[Any], Iterable[Any]]


@dataclass(frozen=True)
class FeedSource:
    name: str
    provider: FeedProvider
    describe: Callable[[], str]
    order: int = 100


_feed_sources: dict[str, FeedSource] = {}


def register_feed_provider(
    name: str,
    provider: FeedProvider,
    *,
    describe: Callable[[], str] = lambda: "",
    order: int = 100,
) -> FeedProvider:
    _feed_sources[name] = FeedSource(name, provider, describe, order)
    return provider


def _sources() -> list[FeedSource]:
    return sorted(_feed_sources.values(), key=lambda source: (source.order, source.name))


def feed_providers() -> list[FeedProvider]:
    return [source.provider for source in _sources()]


def feed_descriptions() -> list[str]:
    """What the private feed holds, one line per provider, in the feed's order."""
    return [line for line in (source.describe() for source in _sources()) if line]
