"""Departments (部), sections (課), membership, join requests, invitations, meetings,
meeting series.

A meeting's time, place, capacity and registrations live in one `events.Event`; the
meeting adds the section and the audience (see docs/registrations.md). A series
(`MeetingSeries`) is a repeat rule plus the defaults of its meetings; each of its
concrete meetings is an ordinary `Meeting` with `series` and `original_date` set."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from events.models import Event


class Department(models.Model):
    name = models.CharField("部の名前", max_length=60, unique=True)
    slug = models.SlugField("スラッグ", max_length=60, unique=True)
    order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "部"
        verbose_name_plural = "部"

    def __str__(self) -> str:
        return self.name


class Section(models.Model):
    class Type(models.TextChoices):
        WORK = "work", "仕事直結型"
        SKILL = "skill", "共通スキル育成型"
        HOBBY = "hobby", "趣味・サークル型"

    class JoinPolicy(models.TextChoices):
        OPEN = "open", "自由参加"
        APPROVAL = "approval", "承認制"
        INVITE = "invite", "招待制"

    class Status(models.TextChoices):
        ACTIVE = "active", "活動中"
        DORMANT = "dormant", "休止中"
        CLOSED = "closed", "廃止"

    department = models.ForeignKey(
        Department, verbose_name="部", on_delete=models.PROTECT, related_name="sections"
    )
    name = models.CharField("課の名前", max_length=60, unique=True)
    slug = models.SlugField("スラッグ", max_length=60, unique=True)
    type = models.CharField("種類", max_length=10, choices=Type.choices, db_index=True)
    description = models.TextField("紹介", blank=True)
    rules = models.TextField("ルール", blank=True)
    join_policy = models.CharField(
        "参加方法", max_length=10, choices=JoinPolicy.choices, default=JoinPolicy.OPEN
    )
    status = models.CharField(
        "状態", max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    order = models.PositiveSmallIntegerField("表示順", default=0)
    created_at = models.DateTimeField("作成日時", default=timezone.now)
    # The number of memberships, recounted by every service that adds or removes one, in
    # its transaction (services._recount_members): the directory and the section page read
    # it instead of counting 40,000 rows per request (issue 18).
    member_count = models.PositiveIntegerField("メンバー数", default=0, editable=False)

    class Meta:
        ordering = ["department__order", "order", "id"]
        verbose_name = "課"
        verbose_name_plural = "課"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("sections:detail", args=[self.slug])


class SectionMembership(models.Model):
    class Role(models.TextChoices):
        HEAD = "head", "課長"
        DEPUTY = "deputy", "課長補佐"
        MEMBER = "member", "課員"

    section = models.ForeignKey(
        Section, verbose_name="課", on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="会員",
        on_delete=models.CASCADE,
        related_name="section_memberships",
    )
    role = models.CharField("役割", max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField("参加日時", default=timezone.now)

    class Meta:
        ordering = ["joined_at", "id"]
        verbose_name = "課のメンバー"
        verbose_name_plural = "課のメンバー"
        constraints = [
            models.UniqueConstraint(fields=["section", "user"], name="membership_once"),
        ]
        # The member list's order (selectors.members): a page is an index range scan.
        indexes = [
            models.Index(
                fields=["section", "role", "joined_at", "id"], name="membership_list_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.section} ({self.get_role_display()})"


class JoinRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "承認待ち"
        ACCEPTED = "accepted", "承認"
        DECLINED = "declined", "見送り"
        WITHDRAWN = "withdrawn", "取り下げ"

    section = models.ForeignKey(
        Section, verbose_name="課", on_delete=models.CASCADE, related_name="join_requests"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="会員",
        on_delete=models.CASCADE,
        related_name="section_join_requests",
    )
    message = models.TextField("ひとこと", max_length=500, blank=True)
    status = models.CharField(
        "状態", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    response_message = models.TextField("課長からのメッセージ", max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="対応者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("申請日時", default=timezone.now)
    decided_at = models.DateTimeField("対応日時", null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "参加申請"
        verbose_name_plural = "参加申請"
        constraints = [
            models.UniqueConstraint(
                fields=["section", "user"],
                condition=models.Q(status="pending"),
                name="join_request_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.section} ({self.get_status_display()})"


class Invitation(models.Model):
    """Invite-only sections: a head invites a member, who accepts."""

    class Status(models.TextChoices):
        PENDING = "pending", "招待中"
        ACCEPTED = "accepted", "参加"
        DECLINED = "declined", "辞退"

    section = models.ForeignKey(
        Section, verbose_name="課", on_delete=models.CASCADE, related_name="invitations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="会員",
        on_delete=models.CASCADE,
        related_name="section_invitations",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="招待した人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField("招待日時", default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "招待"
        verbose_name_plural = "招待"
        constraints = [
            models.UniqueConstraint(
                fields=["section", "user"],
                condition=models.Q(status="pending"),
                name="invitation_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ← {self.section}"


class Meeting(models.Model):
    """情報交換会: a section's meeting. Time, place, capacity, RSVP: see `event`."""

    class Audience(models.TextChoices):
        SECTION = "section", "課のメンバー限定"
        ALL = "all", "全メンバー"

    section = models.ForeignKey(
        Section, verbose_name="課", on_delete=models.CASCADE, related_name="meetings"
    )
    event = models.OneToOneField(
        "events.Event",
        verbose_name="イベント",
        on_delete=models.CASCADE,
        related_name="section_meeting",
    )
    audience = models.CharField(
        "対象", max_length=10, choices=Audience.choices, default=Audience.SECTION
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作成者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A meeting of a series: which part of the series made it, and the date the rule
    # gave it (kept when the meeting is moved, so a second top-up creates no duplicate
    # and the series calendar can name it with RECURRENCE-ID).
    series = models.ForeignKey(
        "MeetingSeries",
        verbose_name="シリーズ",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
    )
    original_date = models.DateField("シリーズ上の開催日", null=True, blank=True)
    has_own_changes = models.BooleanField(
        "この回だけの変更あり",
        default=False,
        help_text="「この回だけ」変更した回は「すべての回」の変更を受けません。",
    )

    class Meta:
        ordering = ["event__starts_at", "id"]
        verbose_name = "情報交換会"
        verbose_name_plural = "情報交換会"
        constraints = [
            models.UniqueConstraint(
                fields=["series", "original_date"], name="meeting_once_per_series_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section} / {self.event}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("sections:meeting", args=[self.section.slug, self.pk])


class MeetingSeries(models.Model):
    """A repeating meeting (定例の情報交換会): a rule, a period and the defaults of every
    meeting it makes. Expanded with `dateutil.rrule` (sections/recurrence.py).

    「この回以降」 splits a series: the part before the date keeps its rule and ends the
    day before; a new part (same `root`) carries the new rule from that date. The parts
    of one `root` are one series to members (one page, one join, one calendar)."""

    class Repeat(models.TextChoices):
        WEEKLY = "weekly", "毎週"
        BIWEEKLY = "biweekly", "2週ごと"
        FOURWEEKLY = "fourweekly", "4週ごと"
        MONTHLY_NTH = "monthly_nth", "毎月 第n曜日"
        MONTHLY_LAST = "monthly_last", "毎月 最終曜日"
        MONTHLY_DATE = "monthly_date", "毎月 日付"

    section = models.ForeignKey(
        Section, verbose_name="課", on_delete=models.CASCADE, related_name="series"
    )
    root = models.ForeignKey(
        "self",
        verbose_name="最初のシリーズ",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="parts",
        help_text="「この回以降」の変更で分かれた続きのとき、その最初のシリーズ。",
    )
    repeat = models.CharField("繰り返し", max_length=20, choices=Repeat.choices)
    # RFC 5545 BYDAY codes, comma-separated ("SA", "MO,TH").
    weekdays = models.CharField("曜日", max_length=20, blank=True)
    week_of_month = models.PositiveSmallIntegerField("第n週", null=True, blank=True)
    month_day = models.PositiveSmallIntegerField("日付", null=True, blank=True)
    starts_on = models.DateField("開始日")
    ends_on = models.DateField("終了日", null=True, blank=True)
    count = models.PositiveSmallIntegerField("回数", null=True, blank=True)
    skip_holidays = models.BooleanField("祝日は休み", default=True)

    # Defaults of every meeting (an `events.Event` each).
    title = models.CharField("タイトル", max_length=120)
    description = models.TextField("アジェンダ", blank=True)
    start_time = models.TimeField("開始時刻")
    duration_minutes = models.PositiveSmallIntegerField("長さ（分）", default=60)
    format = models.CharField(
        "形式", max_length=10, choices=Event.Format.choices, default=Event.Format.ONLINE
    )
    join_url = models.URLField("参加URL", max_length=500, blank=True)
    place = models.CharField("会場", max_length=200, blank=True)
    capacity = models.PositiveIntegerField("定員", null=True, blank=True)
    audience = models.CharField(
        "対象", max_length=10, choices=Meeting.Audience.choices, default=Meeting.Audience.SECTION
    )

    uid = models.UUIDField("カレンダーUID", default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField("更新番号（ICS SEQUENCE）", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作成者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("作成日時", default=timezone.now)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = "情報交換会シリーズ"
        verbose_name_plural = "情報交換会シリーズ"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(count__isnull=True),
                name="series_end_by_date_or_count",
            ),
            models.CheckConstraint(
                condition=models.Q(count__isnull=True) | models.Q(count__gte=1),
                name="series_count_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=1), name="series_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section} / {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("sections:series", args=[self.section.slug, self.root_id_or_self])

    @property
    def root_id_or_self(self) -> int:
        return self.root_id or self.pk

    @property
    def weekday_codes(self) -> list[str]:
        return [code for code in self.weekdays.split(",") if code]


class SeriesSubscription(models.Model):
    """シリーズに参加: the member is registered for every future meeting of the series,
    including the ones the top-up creates later. Always points at the series' root."""

    series = models.ForeignKey(
        MeetingSeries, on_delete=models.CASCADE, related_name="subscriptions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="series_subscriptions"
    )
    created_at = models.DateTimeField("参加日時", default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "シリーズへの参加"
        verbose_name_plural = "シリーズへの参加"
        constraints = [
            models.UniqueConstraint(fields=["series", "user"], name="series_subscription_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.series}"
