"""What discussions adds to other apps' pages (registered in apps.py): the member home,
the section pages and meeting pages. Each function does a bounded number of queries."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from notifications import selectors as notification_selectors

from . import notifying, selectors
from .models import Entry


def home_recent(request) -> dict[str, Any]:
    return {"discussion_recent": selectors.home_recent(user=request.user)}


def home_unanswered(request) -> dict[str, Any]:
    """For heads and deputies: shown when one of their sections has a question that
    nobody answered in 72 hours (one query; nothing is shown to other members)."""
    return {"discussion_unanswered": selectors.home_unanswered(user=request.user)}


def section_overview(request, section, membership) -> dict[str, Any]:
    user = request.user
    readable = selectors.may_read_section(user=user, section=section, membership=membership)
    return {
        "section_topics_readable": readable,
        "section_recent_topics": selectors.recent_topics(section=section, user=user)
        if readable
        else [],
        "section_recent_entries": selectors.recent_entries(section=section, user=user, limit=3),
        "section_may_post": selectors.may_post(user=user, section=section, membership=membership),
    }


def meeting_panel(request, meeting, membership) -> dict[str, Any]:
    user = request.user
    section = meeting.section
    topic = selectors.notes_topic_of(meeting=meeting, user=user)
    scribe = selectors.scribe_of(meeting)
    is_head = selectors.is_head(user=user, section=section, membership=membership)
    readable = selectors.may_read_section(user=user, section=section, membership=membership)
    return {
        "notes_topic": topic,
        "notes_post": selectors.opening_post(topic) if topic else None,
        "notes_hidden": not readable,
        "meeting_started": meeting.event.starts_at <= timezone.now(),
        "may_write_notes": selectors.may_write_notes(
            user=user, meeting=meeting, membership=membership, scribe=scribe
        ),
        "may_curate_meeting": is_head,
        "may_name_scribe": is_head and not meeting.event.is_cancelled,
        "scribe": scribe,
        "scribe_candidates": selectors.scribe_candidates(meeting, scribe) if is_head else [],
        "meeting_entries": list(
            selectors.readable_entries(user, Entry.objects.filter(source_meetings=meeting))
        ),
    }


def section_watch(request, section, membership) -> dict[str, Any]:
    """The section page's 通知レベル form, for members who read its discussions."""
    user = request.user
    if not selectors.may_read_section(user=user, section=section, membership=membership):
        return {"watch_channel": ""}
    return notification_selectors.watch_panel(
        user=user, channel=notifying.section_channel(section.pk)
    )
