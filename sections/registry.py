"""Apps above sections add to the section pages here; sections never imports them.

From an `AppConfig.ready()` (e.g. discussions):

    from sections import registry

    registry.register_tab(registry.SectionTab("topics", "話題", "discussions:topics", order=20))
    registry.register_panel(registry.SectionPanel("topics", "discussions/_section_panel.html",
                                                  context, order=20))
    registry.register_stat(registry.DirectoryStat("topics_30d", "30日間の話題", counts))
    registry.register_meeting_links(registry.MeetingLinks("notes", links))
    registry.register_meeting_panel(registry.MeetingPanel("notes", template, context))
    registry.register_section_related("discussion_setting")  # loaded by section_get

Every callable is called once per page with everything the page lists (never once per
row), so a page's query count stays bounded whatever the number of sections or meetings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

# --- Tabs of a section's pages ------------------------------------------------------------


@dataclass(frozen=True)
class SectionTab:
    """A tab next to 概要 on a section's pages; `url_name` takes the section's slug."""

    name: str
    label: str
    url_name: str
    order: int = 100


_tabs: dict[str, SectionTab] = {}


def register_tab(tab: SectionTab) -> SectionTab:
    _tabs[tab.name] = tab
    return tab


def tabs_for(section) -> list[dict[str, str]]:
    """概要 and the registered tabs, with their URLs for this section."""
    items = [
        {
            "name": "overview",
            "label": "概要",
            "url": reverse("sections:detail", args=[section.slug]),
        }
    ]
    for tab in sorted(_tabs.values(), key=lambda t: (t.order, t.name)):
        items.append(
            {
                "name": tab.name,
                "label": tab.label,
                "url": reverse(tab.url_name, args=[section.slug]),
            }
        )
    return items


# --- Rows loaded with the section ---------------------------------------------------------

_section_related: list[str] = []


def register_section_related(*paths: str) -> None:
    """Relations of Section that a higher app's panels read (e.g. discussions'
    "discussion_setting"): `selectors.section_get` loads them with the section, in its one
    query, instead of each panel asking again."""
    for path in paths:
        if path not in _section_related:
            _section_related.append(path)


def section_related() -> tuple[str, ...]:
    return tuple(_section_related)


# --- Panels on the section's overview page ------------------------------------------------

PanelContext = Callable[[Any, Any, Any], dict[str, Any]]  # (request, section, membership)


@dataclass(frozen=True)
class SectionPanel:
    name: str
    template: str
    context: PanelContext
    order: int = 100


_panels: dict[str, SectionPanel] = {}


def register_panel(panel: SectionPanel) -> SectionPanel:
    _panels[panel.name] = panel
    return panel


def panels() -> list[SectionPanel]:
    return sorted(_panels.values(), key=lambda p: (p.order, p.name))


def panel_context(request, section, membership) -> dict[str, Any]:
    """The templates of the panels in order, and the union of their contexts (a key given
    twice is a bug and raises)."""
    context: dict[str, Any] = {"section_panels": []}
    for panel in panels():
        values = panel.context(request, section, membership)
        clash = set(values) & set(context)
        if clash:
            raise RuntimeError(f"section panel {panel.name!r} repeats keys {sorted(clash)}")
        context.update(values)
        context["section_panels"].append(panel.template)
    return context


# --- Figures per section in the directory -------------------------------------------------

Counts = Callable[[Any, list[int]], dict[int, int]]  # (user, section ids) -> {id: n}


@dataclass(frozen=True)
class DirectoryStat:
    """A figure shown on each section card of the directory (e.g. topics in 30 days)."""

    name: str
    label: str
    counts: Counts
    order: int = 100


_stats: dict[str, DirectoryStat] = {}


def register_stat(stat: DirectoryStat) -> DirectoryStat:
    _stats[stat.name] = stat
    return stat


def annotate_directory(user, sections: list) -> None:
    """Give each section `.stats`: [(label, number), ...] (one call per stat)."""
    ids = [s.pk for s in sections]
    figures = []
    for stat in sorted(_stats.values(), key=lambda s: (s.order, s.name)):
        figures.append((stat, stat.counts(user, ids) if ids else {}))
    for section in sections:
        section.stats = [(stat.label, counts.get(section.pk, 0)) for stat, counts in figures]


# --- Links and panels of meetings ---------------------------------------------------------

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


MeetingContext = Callable[[Any, Any, Any], dict[str, Any]]  # (request, meeting, membership)


@dataclass(frozen=True)
class MeetingPanel:
    """A panel on a meeting's page (e.g. its notes and who writes them)."""

    name: str
    template: str
    context: MeetingContext
    order: int = 100


_meeting_panels: dict[str, MeetingPanel] = {}


def register_meeting_panel(panel: MeetingPanel) -> MeetingPanel:
    _meeting_panels[panel.name] = panel
    return panel


def meeting_panel_context(request, meeting, membership) -> dict[str, Any]:
    context: dict[str, Any] = {"meeting_panels": []}
    for panel in sorted(_meeting_panels.values(), key=lambda p: (p.order, p.name)):
        values = panel.context(request, meeting, membership)
        clash = set(values) & set(context)
        if clash:
            raise RuntimeError(f"meeting panel {panel.name!r} repeats keys {sorted(clash)}")
        context.update(values)
        context["meeting_panels"].append(panel.template)
    return context
