"""Departments (部), sections (課), membership, join requests, invitations, meetings.

A meeting's time, place, capacity and registrations live in one `events.Event`; the
meeting adds the section and the audience (see docs/registrations.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


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
        indexes = [models.Index(fields=["section", "role"])]

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

    class Meta:
        ordering = ["event__starts_at", "id"]
        verbose_name = "情報交換会"
        verbose_name_plural = "情報交換会"

    def __str__(self) -> str:
        return f"{self.section} / {self.event}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("sections:meeting", args=[self.section.slug, self.pk])
