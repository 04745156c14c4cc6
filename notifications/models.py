"""Notifications: what members watch, their inbox, their mail preferences, お知らせ.

Channels are strings ("section:12", "topic:345", see notifications.registry) so that this
app, which sits below every feature app, never points at a feature's table."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Level(models.TextChoices):
    """Watching levels. For a section: ALL ⊇ NEW_TOPICS ⊇ NORMAL, MUTE silences it. For a
    topic: FOLLOW or MUTE overrides the section's level."""

    ALL = "all", "全件"
    NEW_TOPICS = "new_topics", "新しい話題のみ"
    NORMAL = "normal", "通常"
    MUTE = "mute", "ミュート"
    FOLLOW = "follow", "フォロー"


LEVEL_HELP = {
    Level.ALL: "新しい話題とすべての返信をお知らせします。",
    Level.NEW_TOPICS: (
        "新しい話題（最初の投稿）をお知らせします。自分に関わるものもお知らせします。"
    ),
    Level.NORMAL: "自分の話題への返信、メンション、ベストアンサーだけをお知らせします。",
    Level.MUTE: "この課からは何もお知らせしません（ダイジェストにも載りません）。",
    Level.FOLLOW: "この話題のすべての返信をお知らせします。",
}
SECTION_LEVELS = (Level.ALL, Level.NEW_TOPICS, Level.NORMAL, Level.MUTE)
TOPIC_LEVELS = (Level.FOLLOW, Level.MUTE)
# Levels at which a section's activity is in the member's digest.
DIGEST_LEVELS = (Level.ALL, Level.NEW_TOPICS)


class Watch(models.Model):
    """A member's level for one channel. No row: 通常 (a joined section gets
    新しい話題のみ from the join service; a topic the member posts in gets フォロー)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="会員",
        on_delete=models.CASCADE,
        related_name="notification_watches",
    )
    channel = models.CharField("対象", max_length=40)
    level = models.CharField("通知レベル", max_length=12, choices=Level.choices)
    updated_at = models.DateTimeField("変更日時", default=timezone.now)

    class Meta:
        verbose_name = "通知レベル"
        verbose_name_plural = "通知レベル"
        constraints = [
            models.UniqueConstraint(fields=["user", "channel"], name="watch_once"),
        ]
        indexes = [models.Index(fields=["channel", "level"], name="watch_channel_level")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.channel}: {self.get_level_display()}"


class Notification(models.Model):
    """One line of a member's inbox. Written by a service in the transaction of its cause;
    `withdrawn_at` is set when the member may no longer read what it points at."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="宛先",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField("種類", max_length=40)
    object_id = models.BigIntegerField("対象ID", null=True, blank=True)
    group = models.CharField("まとまり", max_length=60, blank=True)
    scope = models.CharField("場所", max_length=40, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="きっかけの会員",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Only for kinds without a resolver (お知らせ, decisions): written by the system.
    text = models.CharField("本文", max_length=200, blank=True)
    url = models.CharField("リンク", max_length=300, blank=True)
    created_at = models.DateTimeField("日時", default=timezone.now)
    read_at = models.DateTimeField("既読日時", null=True, blank=True)
    withdrawn_at = models.DateTimeField("取り下げ日時", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "通知"
        verbose_name_plural = "通知"
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "object_id"],
                condition=Q(object_id__isnull=False),
                name="notification_once",
            ),
        ]
        indexes = [
            # The bell: unread and shown, per member.
            models.Index(
                fields=["recipient"],
                name="notification_unread",
                condition=Q(read_at__isnull=True, withdrawn_at__isnull=True),
            ),
            models.Index(fields=["recipient", "group"], name="notification_group"),
            models.Index(fields=["kind", "object_id"], name="notification_object"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind} {self.object_id or self.text}"


class Digest(models.TextChoices):
    DAILY = "daily", "毎日"
    WEEKLY = "weekly", "毎週（月曜の朝）"
    OFF = "off", "受け取らない"


# The kinds of notification mail, each with its own switch and unsubscribe link.
MAIL_KINDS = {
    "mention": "メンションされたとき",
    "reply": "自分の質問に返信があったとき",
    "answer": "ベストアンサーが選ばれたとき",
    "digest": "ダイジェスト（見ている課の動き）",
}


class Preference(models.Model):
    """A member's mail settings (a member without a row has the defaults)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="会員",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    mail_mention = models.BooleanField(MAIL_KINDS["mention"], default=True)
    mail_reply = models.BooleanField(MAIL_KINDS["reply"], default=True)
    mail_answer = models.BooleanField(MAIL_KINDS["answer"], default=True)
    digest = models.CharField(
        "ダイジェスト", max_length=10, choices=Digest.choices, default=Digest.WEEKLY
    )
    # The last digest period handled ("d:2026-12-02" / "w:2026-W49"), sent or skipped.
    digest_period = models.CharField("最後のダイジェスト期間", max_length=20, blank=True)
    digest_last_at = models.DateTimeField("最後のダイジェストの日時", null=True, blank=True)
    updated_at = models.DateTimeField("変更日時", default=timezone.now)

    class Meta:
        verbose_name = "通知の設定"
        verbose_name_plural = "通知の設定"
        indexes = [models.Index(fields=["digest", "digest_period"], name="pref_digest_due")]

    def __str__(self) -> str:
        return f"{self.user_id}"

    def mail_on(self, mail: str) -> bool:
        if mail == "digest":
            return self.digest != Digest.OFF
        return bool(getattr(self, f"mail_{mail}"))


class Announcement(models.Model):
    """A staff お知らせ: reaches every member, whatever their levels."""

    title = models.CharField("題名", max_length=120)
    body = models.TextField("本文", max_length=5000)
    body_html = models.TextField("本文（表示用）", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作成した事務局",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("作成日時", default=timezone.now)
    published_at = models.DateTimeField("配信日時", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "お知らせ"
        verbose_name_plural = "お知らせ"

    def __str__(self) -> str:
        return self.title
