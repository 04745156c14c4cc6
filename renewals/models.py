"""年度更新 (annual confirmation): cycles, each member's confirmation, the reminders sent,
and a change of body waiting for its new work address to be verified."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class Cycle(models.Model):
    """One year's confirmation: opens, due, grace. Cycles never overlap (services)."""

    fiscal_year = models.PositiveSmallIntegerField("年度", unique=True)
    opens_on = models.DateField("受付開始日")
    due_on = models.DateField("確認期限")
    grace_until = models.DateField("猶予期限")
    closed_on = models.DateField(
        "早期終了日", null=True, blank=True, help_text="終了した年度更新は再開できません。"
    )
    opened_at = models.DateTimeField("対象者の確定日時", null=True, blank=True)
    lapsed_at = models.DateTimeField("失効処理の完了日時", null=True, blank=True)
    created_at = models.DateTimeField("作成日時", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作成者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-fiscal_year"]
        verbose_name = "年度更新"
        verbose_name_plural = "年度更新"
        permissions = [("export_renewals", "年度更新の状況をCSVで書き出せる")]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_on__lt=F("due_on")) & Q(due_on__lte=F("grace_until")),
                name="renewal_cycle_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year}年度の年度更新"

    @property
    def label(self) -> str:
        return f"{self.fiscal_year}年度"

    @property
    def ends_on(self) -> dt.date:
        """The last day of the cycle: the grace's end, or the day it was closed."""
        return min(self.closed_on, self.grace_until) if self.closed_on else self.grace_until

    def phase(self, today: dt.date) -> str:
        """scheduled (before opening), open (until the due date), overdue (the grace),
        ended (after the grace, or closed early)."""
        if self.closed_on and today >= self.closed_on:
            return "ended"
        if today < self.opens_on:
            return "scheduled"
        if today <= self.due_on:
            return "open"
        if today <= self.grace_until:
            return "overdue"
        return "ended"

    @property
    def reminder_dates(self) -> list[tuple[str, dt.date]]:
        """(kind, day) of the four reminders, in order."""
        return [
            (Reminder.Kind.OPENING, self.opens_on),
            (Reminder.Kind.DUE_SOON, self.due_on - dt.timedelta(days=14)),
            (Reminder.Kind.DUE, self.due_on),
            (Reminder.Kind.GRACE_SOON, self.grace_until - dt.timedelta(days=7)),
        ]


class Renewal(models.Model):
    """One member's confirmation in one cycle. 要確認 is not stored: it is a pending row of
    a cycle whose due date has passed (see `Cycle.phase`)."""

    class State(models.TextChoices):
        PENDING = "pending", "未確認"
        CONFIRMED = "confirmed", "確認済み"
        LAPSED = "lapsed", "確認待ち（失効）"
        WITHDRAWN = "withdrawn", "退庁"

    class Choice(models.TextChoices):
        UNCHANGED = "unchanged", "変更なし"
        MOVED_WITHIN = "moved_within", "同じ団体内で異動"
        MOVED_BODY = "moved_body", "別の団体へ異動・出向"
        RETIRED = "retired", "退職・公務員でなくなった"

    cycle = models.ForeignKey(
        Cycle, verbose_name="年度更新", on_delete=models.CASCADE, related_name="renewals"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="会員",
        on_delete=models.CASCADE,
        related_name="renewals",
    )
    state = models.CharField(
        "状態", max_length=12, choices=State.choices, default=State.PENDING, db_index=True
    )
    choice = models.CharField("回答", max_length=16, choices=Choice.choices, blank=True)
    confirmed_at = models.DateTimeField("確認日時", null=True, blank=True)
    lapsed_at = models.DateTimeField("失効日時", null=True, blank=True)
    created_at = models.DateTimeField("作成日時", default=timezone.now)

    class Meta:
        ordering = ["cycle", "pk"]
        verbose_name = "会員の年度更新"
        verbose_name_plural = "会員の年度更新"
        constraints = [
            models.UniqueConstraint(fields=["cycle", "user"], name="renewal_once_per_cycle"),
        ]
        indexes = [models.Index(fields=["cycle", "state"], name="renewal_cycle_state")]

    def __str__(self) -> str:
        return f"{self.cycle.label} {self.get_state_display()}"


class Reminder(models.Model):
    """One reminder sent: unique per member's renewal and kind (with the outbox row's
    dedupe key as the second guard), so no scan sends one twice."""

    class Kind(models.TextChoices):
        OPENING = "opening", "受付開始"
        DUE_SOON = "due_soon", "期限の14日前"
        DUE = "due", "期限日"
        GRACE_SOON = "grace_soon", "猶予期限の7日前"

    renewal = models.ForeignKey(
        Renewal, verbose_name="会員の年度更新", on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField("種類", max_length=12, choices=Kind.choices)
    sent_at = models.DateTimeField("送信日時", default=timezone.now)

    class Meta:
        verbose_name = "年度更新のお知らせ"
        verbose_name_plural = "年度更新のお知らせ"
        constraints = [
            models.UniqueConstraint(fields=["renewal", "kind"], name="renewal_reminder_once"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class BodyChange(models.Model):
    """別の団体へ異動・出向: the new affiliation, held until the member opens the link sent
    to the new work address. Then accounts records it (and staff review it unless the
    address's domain is a trusted domain of the new body)."""

    renewal = models.ForeignKey(
        Renewal, verbose_name="会員の年度更新", on_delete=models.CASCADE, related_name="changes"
    )
    affiliation_type = models.CharField("所属の種類", max_length=20)
    local_government = models.ForeignKey(
        "municipalities.LocalGovernment",
        verbose_name="新しい所属自治体",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ministry = models.CharField("府省庁", max_length=40, blank=True)
    other_body = models.CharField("所属機関", max_length=100, blank=True)
    department = models.CharField("部署", max_length=100, blank=True)
    position = models.CharField("役職", max_length=60, blank=True)
    job_type = models.CharField("職種", max_length=30, blank=True)
    work_email = models.EmailField("新しい職場のメールアドレス")
    effective_on = models.DateField("異動・出向の日付", null=True, blank=True)
    token = models.CharField("確認用トークン", max_length=64, unique=True)
    created_at = models.DateTimeField("作成日時", default=timezone.now)
    verified_at = models.DateTimeField("メール確認日時", null=True, blank=True)
    trusted = models.BooleanField("信頼済みドメインで確認", default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "所属団体の変更"
        verbose_name_plural = "所属団体の変更"

    def __str__(self) -> str:
        return str(self.local_government or self.ministry or self.other_body)
