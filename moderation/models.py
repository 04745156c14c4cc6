"""Moderation (通報・審査・処分): reports on topics, replies and profiles, the case each
thing's reports make, decisions, penalties (投稿停止・利用停止), the 行動規範 and its
acceptances, and the append-only audit trail. Every write is in `moderation.services`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from discussions.models import HiddenReason

TEXT_MAX = 1000

Reason = HiddenReason  # the four report reasons are the hidden-reason categories


class Case(models.Model):
    """Everything reported about one thing (a post or a profile) until it is decided. A
    thing has at most one open case (a new report after a decision opens a new one)."""

    class Kind(models.TextChoices):
        TOPIC = "topic", "話題"
        REPLY = "reply", "返信"
        PROFILE = "profile", "プロフィール"

    class State(models.TextChoices):
        OPEN = "open", "未対応"
        HIDDEN = "hidden", "自動で非表示（審査待ち）"
        DECIDED = "decided", "対応済み"

    class Decision(models.TextChoices):
        DISMISS = "dismiss", "問題なし"
        HIDE = "hide", "非表示"
        DELETE = "delete", "削除"
        REDACT = "redact", "編集して一部を伏せる"

    kind = models.CharField("対象", max_length=10, choices=Kind.choices)
    post = models.ForeignKey(
        "discussions.Post",
        verbose_name="投稿",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="moderation_cases",
    )
    profile = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="プロフィール",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="moderation_profile_cases",
    )
    section = models.ForeignKey(
        "sections.Section",
        verbose_name="課",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="投稿者",
        null=True,
        on_delete=models.SET_NULL,
        related_name="moderation_cases_as_author",
    )
    state = models.CharField("状態", max_length=10, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField("最初の報告", default=timezone.now)
    report_count = models.PositiveIntegerField("報告数", default=0)
    auto_hidden_at = models.DateTimeField("自動非表示", null=True, blank=True)
    hidden_reason = models.CharField(
        "非表示の理由", max_length=20, choices=Reason.choices, blank=True
    )
    decision = models.CharField("判断", max_length=10, choices=Decision.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="判断した人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("判断日時", null=True, blank=True)
    decision_note = models.TextField("判断の理由", max_length=TEXT_MAX, blank=True)
    # The text as it was before 編集して一部を伏せる: staff only (the admin and the case).
    original_body = models.TextField("伏せる前の本文（事務局のみ）", blank=True)

    class Meta:
        ordering = ["opened_at", "id"]
        verbose_name = "審査案件"
        verbose_name_plural = "審査案件"
        constraints = [
            models.UniqueConstraint(
                fields=["post"],
                condition=Q(decided_at__isnull=True, post__isnull=False),
                name="moderation_one_open_case_per_post",
            ),
            models.UniqueConstraint(
                fields=["profile"],
                condition=Q(decided_at__isnull=True, profile__isnull=False),
                name="moderation_one_open_case_per_profile",
            ),
            models.CheckConstraint(
                condition=Q(post__isnull=False, profile__isnull=True)
                | Q(post__isnull=True, profile__isnull=False),
                name="moderation_case_one_target",
            ),
        ]
        indexes = [models.Index(fields=["state", "opened_at"], name="moderation_case_queue")]
        permissions = [("decide_case", "審査案件を判断できる")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.decided_at is None


class Report(models.Model):
    """One member's report of one thing: once per member per thing, ever."""

    case = models.ForeignKey(
        Case, verbose_name="審査案件", on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="報告者",
        on_delete=models.CASCADE,
        related_name="moderation_reports",
    )
    post = models.ForeignKey(
        "discussions.Post",
        verbose_name="投稿",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    profile = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="プロフィール",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    reason = models.CharField("理由", max_length=20, choices=Reason.choices)
    text = models.TextField("詳細", max_length=TEXT_MAX, blank=True)
    created_at = models.DateTimeField("報告日時", default=timezone.now)
    # When the reporter was told the outcome / that it is still under review (day 7).
    outcome_sent_at = models.DateTimeField("結果の連絡", null=True, blank=True)
    pending_sent_at = models.DateTimeField("審査中の連絡", null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "報告"
        verbose_name_plural = "報告"
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "post"],
                condition=Q(post__isnull=False),
                name="moderation_report_post_once",
            ),
            models.UniqueConstraint(
                fields=["reporter", "profile"],
                condition=Q(profile__isnull=False),
                name="moderation_report_profile_once",
            ),
        ]
        indexes = [models.Index(fields=["reporter", "created_at"], name="moderation_report_rate")]

    def __str__(self) -> str:
        return f"{self.case} ← {self.reporter_id}"


class Penalty(models.Model):
    """投稿停止 (silence: reads, cannot post, react, RSVP, apply or join) or 利用停止 (the
    accounts suspension), with a reason and an end (required for 投稿停止)."""

    class Kind(models.TextChoices):
        SILENCE = "silence", "投稿停止"
        SUSPENSION = "suspension", "利用停止"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="会員",
        on_delete=models.CASCADE,
        related_name="moderation_penalties",
    )
    kind = models.CharField("処分", max_length=12, choices=Kind.choices)
    reason = models.TextField("理由", max_length=TEXT_MAX)
    case = models.ForeignKey(
        Case,
        verbose_name="審査案件",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="penalties",
    )
    starts_at = models.DateTimeField("開始", default=timezone.now)
    ends_at = models.DateTimeField("終了予定", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="処分した人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lifted_at = models.DateTimeField("解除日時", null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="解除した人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = "処分"
        verbose_name_plural = "処分"
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="silence") | Q(ends_at__isnull=False),
                name="moderation_silence_has_end",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="moderation_penalty_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(
                fields=["ends_at"],
                name="moderation_penalty_due",
                condition=Q(lifted_at__isnull=True),
            ),
            models.Index(fields=["user", "starts_at"], name="moderation_penalty_user"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.user_id}）"

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.lifted_at is None
            and self.starts_at <= now
            and (self.ends_at is None or self.ends_at > now)
        )


class CodeOfConduct(models.Model):
    """A version of the 行動規範. The newest published one is in force; a member accepts
    it before their first post, and again when a new version is published."""

    version = models.PositiveIntegerField("版", unique=True)
    title = models.CharField("題名", max_length=120, default="横糸 行動規範")
    body = models.TextField("本文（マークダウン記法）")
    published_at = models.DateTimeField("公開日時", default=timezone.now)

    class Meta:
        ordering = ["-version"]
        verbose_name = "行動規範"
        verbose_name_plural = "行動規範"

    def __str__(self) -> str:
        return f"{self.title}（第{self.version}版）"


class ConductAcceptance(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="会員",
        on_delete=models.CASCADE,
        related_name="conduct_acceptances",
    )
    version = models.PositiveIntegerField("同意した版")
    accepted_at = models.DateTimeField("同意日時", default=timezone.now)

    class Meta:
        ordering = ["-accepted_at"]
        verbose_name = "行動規範への同意"
        verbose_name_plural = "行動規範への同意"
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="moderation_accept_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: 第{self.version}版"


class AuditEntry(models.Model):
    """One moderation action (報告, 自動非表示, 判断, 処分, 解除, 同意 ...): written once by
    the services, never changed (the admin is read-only; `save` refuses an update)."""

    class Action(models.TextChoices):
        REPORT = "report", "報告"
        AUTO_HIDE = "auto_hide", "自動で非表示"
        DECIDE = "decide", "判断"
        PENALTY = "penalty", "処分"
        LIFT = "lift", "処分の解除"
        NOTIFY = "notify", "連絡"
        ACCEPT = "accept", "行動規範に同意"

    action = models.CharField("操作", max_length=12, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作した人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    case = models.ForeignKey(
        Case,
        verbose_name="審査案件",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit",
    )
    penalty = models.ForeignKey(
        Penalty,
        verbose_name="処分",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit",
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="対象の会員",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    detail = models.TextField("内容", blank=True)
    created_at = models.DateTimeField("日時", default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "審査の記録"
        verbose_name_plural = "審査の記録"

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.created_at:%Y-%m-%d %H:%M})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("審査の記録は変更できません。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("審査の記録は削除できません。")
