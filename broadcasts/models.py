"""庁内放送: programmes (番組), their daily episodes (放送回), guests, and who follows what.

An episode's status (予定 / 放送中 / 終了 / アーカイブあり) is derived from the clock and never
stored: `Episode.status_at(now)` for one row, `EpisodeQuerySet.upcoming/on_air/ended/…` for
queries. Both use the same boundaries: on air from `starts_at` (inclusive) until
`starts_at + duration` (exclusive).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import DateTimeField, ExpressionWrapper, F, Q
from django.urls import reverse
from django.utils import timezone

WEEKDAYS = [
    (0, "月"),
    (1, "火"),
    (2, "水"),
    (3, "木"),
    (4, "金"),
    (5, "土"),
    (6, "日"),
]
WEEKDAY_LABELS = dict(WEEKDAYS)
DEFAULT_START_TIME = dt.time(22, 0)


def default_duration() -> dt.timedelta:
    return dt.timedelta(minutes=settings.BROADCAST_DEFAULT_DURATION_MINUTES)


class Programme(models.Model):
    """A regular programme: its name, regular personalities and the weekdays it airs."""

    name = models.CharField("番組名", max_length=100)
    slug = models.SlugField("スラッグ", max_length=60, unique=True, help_text="URL に使う英数字")
    description = models.TextField("説明", blank=True)
    personalities = models.CharField(
        "レギュラーパーソナリティ", max_length=200, blank=True, help_text="「、」区切り"
    )
    weekdays = models.JSONField(
        "放送曜日", default=list, blank=True, help_text="0=月 … 6=日 の一覧"
    )
    default_start_time = models.TimeField("通常の開始時刻", default=DEFAULT_START_TIME)
    is_active = models.BooleanField("放送中の番組", default=True)
    created_at = models.DateTimeField("作成日時", default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "番組"
        verbose_name_plural = "番組"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("broadcasts:programme", args=[self.slug])

    @property
    def weekdays_display(self) -> str:
        return "・".join(
            WEEKDAY_LABELS[d] for d in sorted(self.weekdays or []) if d in WEEKDAY_LABELS
        )


class EpisodeStatus(models.TextChoices):
    SCHEDULED = "scheduled", "予定"
    ON_AIR = "on_air", "放送中"
    ENDED = "ended", "終了"
    ARCHIVED = "archived", "アーカイブあり"


ENDS_AT = ExpressionWrapper(F("starts_at") + F("duration"), output_field=DateTimeField())


class EpisodeQuerySet(models.QuerySet):
    """Status filters. `now` defaults to the current time; pass one to keep a page consistent."""

    def with_ends_at(self) -> EpisodeQuerySet:
        return self.annotate(ends_at_db=ENDS_AT)

    def upcoming(self, now: dt.datetime | None = None) -> EpisodeQuerySet:
        return self.filter(starts_at__gt=now or timezone.now())

    def on_air(self, now: dt.datetime | None = None) -> EpisodeQuerySet:
        now = now or timezone.now()
        return self.with_ends_at().filter(starts_at__lte=now, ends_at_db__gt=now)

    def ended(self, now: dt.datetime | None = None) -> EpisodeQuerySet:
        """終了 or アーカイブあり: the broadcast is over."""
        return self.with_ends_at().filter(ends_at_db__lte=now or timezone.now())

    def archived(self, now: dt.datetime | None = None) -> EpisodeQuerySet:
        return self.ended(now).exclude(archive_url="")

    def ended_without_archive(self, now: dt.datetime | None = None) -> EpisodeQuerySet:
        return self.ended(now).filter(archive_url="")

    def aired(self, now: dt.datetime | None = None) -> EpisodeQuerySet:
        """Episodes that have gone on air (on air now, or over): the running count."""
        return self.filter(starts_at__lte=now or timezone.now())

    def with_status(self, status: str, now: dt.datetime | None = None) -> EpisodeQuerySet:
        return {
            EpisodeStatus.SCHEDULED: self.upcoming,
            EpisodeStatus.ON_AIR: self.on_air,
            EpisodeStatus.ENDED: self.ended_without_archive,
            EpisodeStatus.ARCHIVED: self.archived,
        }[EpisodeStatus(status)](now)


class Episode(models.Model):
    """One broadcast. `air_date` is the JST date of `starts_at`; one episode per programme
    per date (the generator relies on that)."""

    programme = models.ForeignKey(
        Programme, verbose_name="番組", on_delete=models.PROTECT, related_name="episodes"
    )
    air_date = models.DateField("放送日", db_index=True)
    starts_at = models.DateTimeField("開始日時", db_index=True)
    duration = models.DurationField(
        "放送時間", default=default_duration, help_text="例: 01:00:00（1時間）"
    )
    title = models.CharField("テーマ", max_length=200, blank=True)
    personalities = models.CharField(
        "パーソナリティ", max_length=200, blank=True, help_text="「、」区切り"
    )
    description = models.TextField("内容", blank=True)
    live_url = models.URLField("ライブ配信 URL", max_length=500, blank=True)
    archive_url = models.URLField("アーカイブ URL", max_length=500, blank=True)
    created_at = models.DateTimeField("作成日時", default=timezone.now)

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = "放送回"
        verbose_name_plural = "放送回"
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "air_date"], name="episode_one_per_programme_per_day"
            ),
            models.CheckConstraint(
                condition=Q(duration__gt=dt.timedelta(0)), name="episode_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.air_date:%Y-%m-%d} {self.programme.name}：{self.display_title}"

    def get_absolute_url(self) -> str:
        return reverse("broadcasts:episode", args=[self.pk])

    @property
    def display_title(self) -> str:
        return self.title or "テーマ未定"

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + self.duration

    def status_at(self, now: dt.datetime) -> EpisodeStatus:
        if now < self.starts_at:
            return EpisodeStatus.SCHEDULED
        if now < self.ends_at:
            return EpisodeStatus.ON_AIR
        return EpisodeStatus.ARCHIVED if self.archive_url else EpisodeStatus.ENDED

    @property
    def status(self) -> EpisodeStatus:
        return self.status_at(timezone.now())

    @property
    def is_on_air(self) -> bool:
        return self.status == EpisodeStatus.ON_AIR


class Guest(models.Model):
    episode = models.ForeignKey(
        Episode, verbose_name="放送回", on_delete=models.CASCADE, related_name="guests"
    )
    name = models.CharField("氏名", max_length=100)
    affiliation = models.CharField("所属", max_length=200, blank=True)
    position = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "ゲスト"
        verbose_name_plural = "ゲスト"

    def __str__(self) -> str:
        return f"{self.name}（{self.affiliation}）" if self.affiliation else self.name


class Follow(models.Model):
    """A member follows a programme: a reminder before each episode, or a daily digest."""

    class Mode(models.TextChoices):
        REMINDER = "reminder", "放送ごとにリマインダー"
        DIGEST = "digest", "1日1通のまとめ"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="会員",
        on_delete=models.CASCADE,
        related_name="broadcast_follows",
    )
    programme = models.ForeignKey(
        Programme, verbose_name="番組", on_delete=models.CASCADE, related_name="follows"
    )
    mode = models.CharField("通知方法", max_length=10, choices=Mode.choices, default=Mode.REMINDER)
    remind_minutes_before = models.PositiveSmallIntegerField(
        "何分前に知らせるか",
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(1440)],
    )
    digest_time = models.TimeField("まとめを受け取る時刻", default=dt.time(7, 0))
    created_at = models.DateTimeField("フォロー日時", default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "フォロー"
        verbose_name_plural = "フォロー"
        constraints = [
            models.UniqueConstraint(fields=["user", "programme"], name="follow_unique"),
            models.CheckConstraint(
                condition=Q(remind_minutes_before__gte=5, remind_minutes_before__lte=1440),
                name="follow_remind_minutes_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.programme}"


class Notice(models.Model):
    """What was already sent: one reminder per (member, episode), one digest per (member, day).

    The scans skip pairs that have a row here; the row is written in the same transaction as
    the outbox mail (whose dedupe key is the second guard)."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", "リマインダー"
        DIGEST = "digest", "まとめ"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="会員",
        on_delete=models.CASCADE,
        related_name="broadcast_notices",
    )
    kind = models.CharField("種類", max_length=10, choices=Kind.choices)
    episode = models.ForeignKey(
        Episode,
        verbose_name="放送回",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notices",
    )
    day = models.DateField("日付", null=True, blank=True)
    created_at = models.DateTimeField("送信日時", default=timezone.now)

    class Meta:
        verbose_name = "送信済み通知"
        verbose_name_plural = "送信済み通知"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "episode"],
                condition=Q(kind="reminder"),
                name="notice_one_reminder_per_episode",
            ),
            models.UniqueConstraint(
                fields=["user", "day"],
                condition=Q(kind="digest"),
                name="notice_one_digest_per_day",
            ),
            models.CheckConstraint(
                condition=(Q(kind="reminder", episode__isnull=False))
                | Q(kind="digest", day__isnull=False),
                name="notice_kind_fields",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.user_id} {self.episode_id or self.day}"
