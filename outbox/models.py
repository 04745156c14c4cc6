from django.conf import settings
from django.db import models
from django.utils import timezone


class OutgoingMail(models.Model):
    """One e-mail, written in the same transaction as the change that causes it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "送信待ち"
        SENT = "sent", "送信済み"
        FAILED = "failed", "送信失敗"
        CANCELLED = "cancelled", "取り消し"

    to_email = models.EmailField("宛先")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="宛先の利用者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    template = models.CharField("テンプレート", max_length=100)
    context = models.JSONField("差し込み内容", default=dict, blank=True)
    subject = models.CharField("件名", max_length=255)
    body = models.TextField("本文")
    attachments = models.JSONField("添付", default=list, blank=True)
    headers = models.JSONField(
        "追加ヘッダー",
        default=dict,
        blank=True,
        help_text="List-Unsubscribe など、送信時に付ける追加のヘッダー。",
    )
    dedupe_key = models.CharField(
        "重複防止キー", max_length=200, null=True, blank=True, unique=True
    )
    status = models.CharField(
        "状態", max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField("試行回数", default=0)
    next_attempt_at = models.DateTimeField(
        "次の送信予定",
        default=timezone.now,
        help_text="送信待ちの行は、この時刻を過ぎると送信されます（失敗後は指数バックオフ、"
        "送信中は作業者の持ち時間）。",
    )
    last_error = models.TextField("最後のエラー", blank=True)
    erase_after_send = models.BooleanField(
        "送信後に消去",
        default=False,
        help_text="送信したら宛先・件名・本文を消す（退庁のお知らせなど、宛先の人の記録を"
        "残さないメール）。",
    )
    created_at = models.DateTimeField("作成日時", default=timezone.now, db_index=True)
    sent_at = models.DateTimeField("送信日時", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "送信メール"
        verbose_name_plural = "送信メール（アウトボックス）"
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                name="outbox_due_idx",
                condition=models.Q(status="queued"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.to_email}: {self.subject}"
