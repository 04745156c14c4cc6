"""庁内研修 (trainings) and the weekly orientation (説明会).

A training owns one `events.Event` (time, capacity, deadline, join URL, reminders): the
registration mechanism is the events app's, shared with section meetings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.choices import JOB_TYPES

KIND = "training"


class Training(models.Model):
    class Audience(models.TextChoices):
        ALL = "all", "全会員"
        SECTIONS = "sections", "指定した課のメンバー"
        JOB_TYPES = "job_types", "指定した職種の会員"

    class ArchiveAccess(models.TextChoices):
        REGISTRANTS = "registrants", "申込者のみ"
        MEMBERS = "members", "開催後は全会員"

    event = models.OneToOneField(
        "events.Event", on_delete=models.CASCADE, related_name="training", verbose_name="日程・定員"
    )
    audience = models.CharField(
        "対象", max_length=12, choices=Audience.choices, default=Audience.ALL
    )
    audience_sections = models.ManyToManyField(
        "sections.Section", verbose_name="対象の課", blank=True, related_name="trainings"
    )
    audience_job_types = models.JSONField(
        "対象の職種",
        default=list,
        blank=True,
        help_text="職種のコード（" + "、".join(f"{k}={v}" for k, v in JOB_TYPES) + "）",
    )
    application_opens_at = models.DateTimeField("申込開始", default=timezone.now)
    questions = models.JSONField(
        "事前質問", default=list, blank=True, help_text="質問文のリスト（任意回答）"
    )
    archive_url = models.URLField("アーカイブURL", max_length=500, blank=True)
    archive_access = models.CharField(
        "アーカイブの公開範囲",
        max_length=12,
        choices=ArchiveAccess.choices,
        default=ArchiveAccess.REGISTRANTS,
    )
    is_orientation = models.BooleanField("説明会（入庁審査中の方も申込可）", default=False)
    orientation_date = models.DateField("説明会の日付", null=True, blank=True, unique=True)
    created_at = models.DateTimeField("作成日時", default=timezone.now)

    class Meta:
        verbose_name = "庁内研修"
        verbose_name_plural = "庁内研修"
        # The registrants' personal data has its own permissions (core/staff_roles.py).
        permissions = [
            ("view_registrants", "申込者一覧を見られる"),
            ("export_registrants", "申込者をCSVで書き出せる"),
            ("mail_registrants", "申込者全員にお知らせを送れる"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_orientation=False) | models.Q(orientation_date__isnull=False),
                name="orientation_has_date",
            )
        ]

    def __str__(self) -> str:
        return self.event.title

    def get_absolute_url(self) -> str:
        if self.is_orientation:
            return reverse("orientation")
        return reverse("trainings:detail", args=[self.pk])

    @property
    def audience_job_type_names(self) -> str:
        """The 職種 this training is for, by name (「保健師、消防」)."""
        labels = dict(JOB_TYPES)
        return "、".join(labels.get(code, code) for code in self.audience_job_types or [])

    @property
    def audience_label(self) -> str:
        """Who the training is for, naming the 職種 or the 課 (uses the prefetched
        `audience_sections`)."""
        if self.audience == self.Audience.JOB_TYPES:
            return f"次の職種の会員：{self.audience_job_type_names or '（未設定）'}"
        if self.audience == self.Audience.SECTIONS:
            names = "、".join(s.name for s in self.audience_sections.all())
            return f"次の課のメンバー：{names or '（未設定）'}"
        return self.get_audience_display()


class Lecturer(models.Model):
    training = models.ForeignKey(
        Training, verbose_name="研修", on_delete=models.CASCADE, related_name="lecturers"
    )
    name = models.CharField("氏名", max_length=60)
    affiliation = models.CharField("所属", max_length=120, blank=True)
    profile = models.TextField("プロフィール", blank=True)
    order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "講師"
        verbose_name_plural = "講師"

    def __str__(self) -> str:
        return self.name


def material_path(instance: Material, filename: str) -> str:
    """A fresh random name with the checked extension: the stored name is never the
    uploaded one (core.uploads)."""
    from core.uploads import extension_of, stored_name

    return f"trainings/{instance.training_id}/{stored_name(extension_of(filename))}"


class Material(models.Model):
    """A file for the training's participants. Stored under MEDIA_ROOT, which no URL serves
    directly: the download view checks who may have it."""

    training = models.ForeignKey(
        Training, verbose_name="研修", on_delete=models.CASCADE, related_name="materials"
    )
    title = models.CharField("資料名", max_length=120)
    file = models.FileField("ファイル", upload_to=material_path)
    uploaded_at = models.DateTimeField("登録日時", default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = "資料"
        verbose_name_plural = "資料"

    def __str__(self) -> str:
        return self.title

    @property
    def download_name(self) -> str:
        """The title with the file's extension (the stored name is random)."""
        from core.uploads import extension_of

        return f"{self.title}{extension_of(self.file.name)}"


class Announcement(models.Model):
    """A message from staff to every registrant of a training (sent through the outbox)."""

    training = models.ForeignKey(
        Training, verbose_name="研修", on_delete=models.CASCADE, related_name="announcements"
    )
    subject = models.CharField("件名", max_length=120)
    body = models.TextField("本文")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="送信者",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recipients = models.PositiveIntegerField("送信数", default=0)
    created_at = models.DateTimeField("送信日時", default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "申込者へのお知らせ"
        verbose_name_plural = "申込者へのお知らせ"

    def __str__(self) -> str:
        return self.subject
