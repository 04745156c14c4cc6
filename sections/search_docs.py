"""What sections puts in the search index (registered in apps.py): sections (name,
department, introduction, rules) and meetings (title, agenda, place). Every member may
see a section and its meetings (sections.selectors.meeting_get), so their rows carry no
restriction; a meeting's 議事メモ are a discussions topic, found with that topic's
reading rule."""

from __future__ import annotations

from django.urls import reverse

from search import index, registry
from search.registry import Doc

from .models import Meeting, Section

SECTION, MEETING = "section", "meeting"


def build_sections(ids: list[int]) -> dict[int, Doc]:
    sections = Section.objects.filter(pk__in=ids).select_related("department")
    return {
        s.pk: Doc(
            title=s.name,
            body=f"{s.department.name}\n{s.description}\n{s.rules}",
            url=reverse("sections:detail", args=[s.slug]),
            date=s.created_at,
            section_id=s.pk,
        )
        for s in sections
    }


def build_meetings(ids: list[int]) -> dict[int, Doc]:
    meetings = Meeting.objects.filter(pk__in=ids).select_related("event", "section")
    docs = {}
    for m in meetings:
        event = m.event
        cancelled = "（中止）" if event.is_cancelled else ""
        docs[m.pk] = Doc(
            title=f"{event.title}{cancelled}",
            body=f"{event.description}\n{event.place}",
            url=reverse("sections:meeting", args=[m.section.slug, m.pk]),
            date=event.starts_at,
            section_id=m.section_id,
        )
    return docs


def index_sections(ids: list[int]) -> None:
    index.put(SECTION, ids)


def index_meetings(ids: list[int]) -> None:
    index.put(MEETING, ids)


def register() -> None:
    registry.register_kind(
        registry.Kind(
            SECTION,
            "課",
            build_sections,
            lambda: Section.objects.values_list("pk", flat=True),
            registry.every_member,
            order=40,
        )
    )
    registry.register_kind(
        registry.Kind(
            MEETING,
            "情報交換会",
            build_meetings,
            lambda: Meeting.objects.values_list("pk", flat=True),
            registry.every_member,
            order=50,
        )
    )
