"""How section meetings plug into the registration mechanism (events.registry)."""

from __future__ import annotations

from events.registry import EventOwner

KIND = "section_meeting"


class SectionMeetingOwner(EventOwner):
    kind = KIND
    label = "情報交換会"
    related = ("section_meeting__section", "section_meeting__series")
    confirm_by_mail = False

    def _meeting(self, event):
        return getattr(event, "section_meeting", None)

    def check_eligible(self, event, user) -> str | None:
        from .models import Meeting, SectionMembership

        meeting = self._meeting(event)
        if meeting is None:
            return "この会は見つかりません。"
        if meeting.audience == Meeting.Audience.ALL or user.is_staff:
            return None
        if SectionMembership.objects.filter(section_id=meeting.section_id, user=user).exists():
            return None
        return (
            f"この情報交換会は「{meeting.section.name}」のメンバー限定です。"
            "課に参加してから申し込んでください。"
        )

    def url(self, event) -> str:
        meeting = self._meeting(event)
        return meeting.get_absolute_url() if meeting else ""

    def context(self, event) -> dict:
        meeting = self._meeting(event)
        return {"owner_label": self.label, "section_name": meeting.section.name if meeting else ""}

    def calendar_notes(self, event) -> list[str]:
        """A meeting of a series names its series (and the series page) in its .ics."""
        from django.conf import settings
        from django.urls import reverse

        from .recurrence import Rule, describe

        meeting = self._meeting(event)
        series = getattr(meeting, "series", None) if meeting else None
        if series is None:
            return []
        url = reverse("sections:series", args=[meeting.section.slug, series.root_id or series.pk])
        rule = describe(Rule.of(series), series.start_time)
        return [
            f"シリーズ「{series.title}」（{rule}）の回です。",
            f"シリーズ: {settings.SITE_URL}{url}",
        ]
