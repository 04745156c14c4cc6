"""Apps above sections add to the section pages here; sections never imports them.

Links shown with each meeting in the section's meeting lists and on a series page (e.g.
the 議事メモ of the discussions app). From an `AppConfig.ready()`:

    from sections import registry

    registry.register_meeting_links(registry.MeetingLinks("notes", links))

`links(user, meetings)` is called once per page with every meeting the page lists (never
once per row) and returns `{meeting.pk: [(label, url), ...]}`, so a page's query count
stays bounded whatever the number of meetings. With nothing registered, no meeting has
links.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# --- Links and panels of meetings -------------------------------------------------------------

Links = Callable[[Any, list], dict[int, list[tuple[str, str]]]]  # (user, meetings)


@dataclass(frozen=True)
class MeetingLinks:
    """Links shown with a meeting in the section's meeting lists (e.g. 議事メモ)."""

    name: str
    links: Links
    order: int = 100


_meeting_links: dict[str, MeetingLinks] = {}


def register_meeting_links(item: MeetingLinks) -> MeetingLinks:
    _meeting_links[item.name] = item
    return item


def annotate_meetings(user, meetings: list) -> None:
    """Give each meeting `.extra_links`: [(label, url), ...] (one call per provider)."""
    for meeting in meetings:
        meeting.extra_links = []
    if not meetings:
        return
    for item in sorted(_meeting_links.values(), key=lambda i: (i.order, i.name)):
        found = item.links(user, meetings)
        for meeting in meetings:
            meeting.extra_links.extend(found.get(meeting.pk, []))
