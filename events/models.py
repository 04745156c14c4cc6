"""The one registration mechanism: an event, who registered, and a private calendar feed.

Section meetings (sections.Meeting) and trainings (trainings.Training) each point at one
`Event` (OneToOne) and register an owner policy in `events.registry`; everything about
RSVP, capacity, waitlist, deadlines, personal join links, reminders and calendars lives
here, once."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


def new_token() -> str:
    """256 bits of randomness, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def default_reminder_offsets() -> list[int]:
    return list(settings.EVENTS_REMINDER_OFFSETS_MINUTES)


class Event(models.Model):
    class Format(models.TextChoices):
        ONLINE = "online", "オンライン"
        PLACE = "place", "会場"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "開催予定"
        CANCELLED = "cancelled", "中止"

    kind = models.CharField("種類", max_length=30, db_index=True)
    title = models.CharField("タイトル", max_length=120)
    description = models.TextField("内容・アジェンダ", blank=True)
    starts_at = models.DateTimeField("開始日時", db_index=True)
    ends_at = models.DateTimeField("終了日時")
    format = models.CharField("形式", max_length=10, choices=Format.choices, default=Format.ONLINE)
    join_url = models.URLField(
        "参加URL",
        max_length=500,
        blank=True,
        help_text="参加確定者にだけ、個人用リンク経由で開始前から表示されます。直前の変更も可能で、再送は不要です。",
    )
    place = models.CharField("会場", max_length=200, blank=True)
    capacity = models.PositiveIntegerField("定員", null=True, blank=True)
    rsvp_deadline = models.DateTimeField("申込締切", null=True, blank=True)
    status = models.CharField(
        "状態", max_length=10, choices=Status.choices, default=Status.SCHEDULED, db_index=True
    )
    sequence = models.PositiveIntegerField("更新番号（ICS SEQUENCE）", default=0)
    uid = models.UUIDField("カレンダーUID", default=uuid.uuid4, unique=True, editable=False)
    reminder_offsets = models.JSONField(
        "リマインド（開始の何分前）", default=default_reminder_offsets, blank=True
    )
    created_at = models.DateTimeField("作成日時", default=timezone.now)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = "イベント"
        verbose_name_plural = "イベント"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True) | models.Q(capacity__gte=1),
                name="event_capacity_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def closes_at(self):
        """RSVP (and waitlist promotion) closes at the deadline or the start, whichever first."""
        if self.rsvp_deadline and self.rsvp_deadline < self.starts_at:
            return self.rsvp_deadline
        return self.starts_at

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    def rsvp_open(self, now=None) -> bool:
        now = now or timezone.now()
        return not self.is_cancelled and now < self.closes_at

    @property
    def join_link_opens_minutes(self) -> int:
        """How many minutes before the start the personal join link opens (one setting)."""
        return settings.EVENTS_JOIN_LINK_OPENS_MINUTES

    @property
    def join_link_opens_at(self):
        return self.starts_at - timedelta(minutes=self.join_link_opens_minutes)

    def join_link_open(self, now=None) -> bool:
        now = now or timezone.now()
        return not self.is_cancelled and self.join_link_opens_at <= now < self.ends_at


class Registration(models.Model):
    class Status(models.TextChoices):
        GOING = "going", "参加"
        WAITLISTED = "waitlisted", "キャンセル待ち"
        NOT_GOING = "not_going", "不参加"
        CANCELLED = "cancelled", "取消"

    event = models.ForeignKey(
        Event, verbose_name="イベント", on_delete=models.CASCADE, related_name="registrations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="会員",
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    status = models.CharField("状態", max_length=12, choices=Status.choices, db_index=True)
    token = models.CharField("個人用リンクの鍵", max_length=64, unique=True, default=new_token)
    waitlisted_at = models.DateTimeField("キャンセル待ち登録日時", null=True, blank=True)
    # The queue order: a per-event number taken while the event row is locked, so the
    # queue is exactly the order in which members got the lock (a clock read before the
    # lock is not). Kept after promotion or cancellation as a record; a member who queues
    # again draws a new, higher number.
    waitlist_seq = models.PositiveIntegerField("キャンセル待ち整理番号", null=True, blank=True)
    confirmed_at = models.DateTimeField("参加確定日時", null=True, blank=True)
    first_clicked_at = models.DateTimeField("参加リンク初回クリック", null=True, blank=True)
    attended = models.BooleanField("出席", null=True, blank=True)
    answers = models.JSONField("事前質問への回答", default=dict, blank=True)
    created_at = models.DateTimeField("登録日時", default=timezone.now)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "参加登録"
        verbose_name_plural = "参加登録"
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="registration_once_per_event"),
            models.UniqueConstraint(
                fields=["event", "waitlist_seq"], name="registration_waitlist_seq_unique"
            ),
        ]
        indexes = [models.Index(fields=["event", "status", "waitlist_seq"])]

    def __str__(self) -> str:
        return f"{self.user} / {self.event} ({self.get_status_display()})"

    @property
    def is_going(self) -> bool:
        return self.status == self.Status.GOING


class CalendarFeed(models.Model):
    """A member's private calendar feed: whoever holds the token sees their events."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="会員",
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token = models.CharField("鍵", max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField("発行日時", default=timezone.now)

    class Meta:
        verbose_name = "カレンダー配信"
        verbose_name_plural = "カレンダー配信"

    def __str__(self) -> str:
        return f"{self.user} のカレンダー"
