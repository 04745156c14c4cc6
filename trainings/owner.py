"""How trainings plug into the registration mechanism (events.registry)."""

from __future__ import annotations

from django.utils import timezone

from core.jst import format_jst
from events.registry import EventOwner

from .models import KIND, Training
from .selectors import can_view, eligibility_problem


class TrainingOwner(EventOwner):
    kind = KIND
    label = "庁内研修"
    related = ("training",)
    confirm_by_mail = True  # confirmation mail with the personal link and an .ics

    def _training(self, event) -> Training | None:
        try:
            return event.training
        except Training.DoesNotExist:
            return None

    def can_view(self, event, user) -> bool:
        training = self._training(event)
        return training is not None and can_view(training=training, user=user)

    def check_eligible(self, event, user) -> str | None:
        training = self._training(event)
        if training is None:
            return "この研修は見つかりません。"
        if timezone.now() < training.application_opens_at:
            return f"申込の受付は {format_jst(training.application_opens_at)} からです。"
        return eligibility_problem(training, user)

    def url(self, event) -> str:
        training = self._training(event)
        return training.get_absolute_url() if training else ""

    def context(self, event) -> dict:
        training = self._training(event)
        lecturers = [lecturer.name for lecturer in training.lecturers.all()] if training else []
        return {"owner_label": self.label, "lecturers": "、".join(lecturers)}
