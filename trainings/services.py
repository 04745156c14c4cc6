"""Writes for trainings. Registration itself is the events app's (one mechanism)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.jst import JST
from events import services as events
from events.models import Event, Registration
from events.services import RegistrationError
from outbox.services import mail_enqueue

from . import search_docs
from .models import KIND, Announcement, Lecturer, Training

if TYPE_CHECKING:
    from accounts.models import User

EVENT_FIELDS = set(events.EDITABLE)
TRAINING_FIELDS = {
    "audience", "audience_job_types", "application_opens_at", "questions", "archive_url",
    "archive_access",
}  # fmt: skip
MAX_ANSWER = 1000


def default_deadline(starts_at: dt.datetime) -> dt.datetime:
    """Applications close two days before the start by default."""
    return starts_at - dt.timedelta(days=2)


@transaction.atomic
def training_create(
    *,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    description: str = "",
    capacity: int | None = None,
    rsvp_deadline: dt.datetime | None = None,
    format: str = Event.Format.ONLINE,
    join_url: str = "",
    place: str = "",
    reminder_offsets: list[int] | None = None,
    lecturers: list[dict[str, str]] | None = None,
    audience_sections: list | None = None,
    **training_fields: Any,
) -> Training:
    unknown = set(training_fields) - TRAINING_FIELDS - {"is_orientation", "orientation_date"}
    if unknown:
        raise TypeError(f"unknown training fields: {sorted(unknown)}")
    event = events.event_create(
        kind=KIND,
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        rsvp_deadline=rsvp_deadline or default_deadline(starts_at),
        format=format,
        join_url=join_url,
        place=place,
        reminder_offsets=reminder_offsets
        if reminder_offsets is not None
        else list(settings.TRAININGS_REMINDER_OFFSETS_MINUTES),
    )
    training = Training.objects.create(event=event, **training_fields)
    if audience_sections:
        training.audience_sections.set(audience_sections)
    for order, lecturer in enumerate(lecturers or []):
        Lecturer.objects.create(training=training, order=order, **lecturer)
    search_docs.index_trainings([training.pk])  # search
    return training


@transaction.atomic
def training_update(*, training_id: int, **changes: Any) -> Training:
    """Change a training. Event fields go through the events service (SEQUENCE, notices,
    reminders that follow the new start); the rest are the training's own."""
    training = Training.objects.select_for_update().get(pk=training_id)
    unknown = set(changes) - EVENT_FIELDS - TRAINING_FIELDS
    if unknown:
        raise TypeError(f"unknown training fields: {sorted(unknown)}")
    event_changes = {k: v for k, v in changes.items() if k in EVENT_FIELDS}
    if event_changes:
        events.event_update(event_id=training.event_id, **event_changes)
    own = {k: v for k, v in changes.items() if k in TRAINING_FIELDS}
    for name, value in own.items():
        setattr(training, name, value)
    if own:
        training.save(update_fields=list(own))
    training.refresh_from_db()
    search_docs.index_trainings([training.pk])  # search
    return training


def _clean_answers(training: Training, answers: dict[str, str] | None) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for index in range(len(training.questions or [])):
        value = ((answers or {}).get(str(index)) or "").strip()
        if len(value) > MAX_ANSWER:
            raise RegistrationError(
                f"事前質問への回答は{MAX_ANSWER}文字以内で入力してください。", "answers"
            )
        if value:
            cleaned[str(index)] = value
    return cleaned


def training_apply(
    *,
    training_id: int,
    user: User,
    answers: dict[str, str] | None = None,
    now: dt.datetime | None = None,
) -> events.RsvpResult:
    """Apply (申込). Eligibility, window, capacity and waitlist are the shared mechanism's;
    a confirmed applicant gets the mail with their personal link and an .ics."""
    training = Training.objects.select_related("event").get(pk=training_id)
    return events.registration_rsvp(
        event_id=training.event_id,
        user=user,
        going=True,
        answers=_clean_answers(training, answers),
        now=now,
    )


def training_cancel(
    *, training_id: int, user: User, now: dt.datetime | None = None
) -> events.RsvpResult:
    training = Training.objects.get(pk=training_id)
    return events.registration_cancel(event_id=training.event_id, user=user, now=now)


@transaction.atomic
def announcement_send(*, training_id: int, subject: str, body: str, sender: User) -> Announcement:
    """A message to everyone going or waiting, one outbox row each (exactly once)."""
    subject, body = subject.strip(), body.strip()
    if not subject or not body:
        raise RegistrationError("件名と本文を入力してください。", "announcement")
    training = Training.objects.select_related("event").get(pk=training_id)
    announcement = Announcement.objects.create(
        training=training, subject=subject, body=body, sent_by=sender
    )
    count = 0
    for reg in Registration.objects.filter(
        event=training.event, status__in=(Registration.Status.GOING, Registration.Status.WAITLISTED)
    ).select_related("user"):
        sent = mail_enqueue(
            to=reg.user.email,
            recipient=reg.user,
            template="trainings_announcement",
            context={
                "name": reg.user.display_name,
                "training_title": training.event.title,
                "subject": subject,
                "body": body,
                "training_url": settings.SITE_URL + training.get_absolute_url(),
            },
            dedupe_key=f"trainings:announcement:{announcement.pk}:{reg.pk}",
        )
        count += sent is not None
    announcement.recipients = count
    announcement.save(update_fields=["recipients"])
    return announcement


@transaction.atomic
def attendance_save(*, training_id: int, attended_registration_ids: set[int]) -> int:
    """Mark attendance for everyone who was confirmed; returns how many attended."""
    training = Training.objects.get(pk=training_id)
    confirmed = Registration.objects.filter(
        event_id=training.event_id, status=Registration.Status.GOING
    )
    attended = 0
    for reg_id in confirmed.values_list("pk", flat=True):
        present = reg_id in attended_registration_ids
        events.registration_set_attended(registration_id=reg_id, attended=present)
        attended += present
    return attended


def _next_fridays(start: dt.date, weeks: int) -> list[dt.date]:
    first = start + dt.timedelta(days=(4 - start.weekday()) % 7)
    return [first + dt.timedelta(weeks=i) for i in range(weeks)]


def orientations_generate(*, weeks: int = 4, now: dt.datetime | None = None) -> int:
    """Create the Friday-evening orientations (説明会) for the coming weeks. Idempotent:
    one per date (unique), so a second run or a second beat creates nothing."""
    now = now or timezone.now()
    hour, minute = (int(x) for x in settings.TRAININGS_ORIENTATION_TIME.split(":"))
    created = 0
    for day in _next_fridays(timezone.localdate(now), weeks):
        starts = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=JST)
        if starts <= now or Training.objects.filter(orientation_date=day).exists():
            continue
        with transaction.atomic():
            training_create(
                title=f"横糸 説明会（{day.month}月{day.day}日）",
                description=(
                    "横糸に初めて参加する方・入庁審査中の方のための説明会です。"
                    "課・庁内放送・研修の使い方と、コミュニティのルールをご案内します。"
                ),
                starts_at=starts,
                ends_at=starts + dt.timedelta(minutes=60),
                capacity=settings.TRAININGS_ORIENTATION_CAPACITY,
                rsvp_deadline=starts,
                join_url=settings.TRAININGS_ORIENTATION_URL,
                is_orientation=True,
                orientation_date=day,
                application_opens_at=now,
            )
        created += 1
    return created
