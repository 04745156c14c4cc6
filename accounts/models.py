from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from .choices import JOB_TYPES, MINISTRY_CHOICES

# What the site shows instead of a withdrawn member's name (their posts stay).
WITHDRAWN_NAME = "退庁した会員"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("メールアドレスは必須です")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("status", User.Status.APPROVED)
        return self._create_user(email, password, **extra)


class AffiliationType(models.TextChoices):
    LOCAL_GOVERNMENT = "local_government", "地方公共団体"
    MINISTRY = "ministry", "国の府省庁"
    OTHER = "other", "その他の公的機関"


class User(AbstractBaseUser, PermissionsMixin):
    """One account: the login, the membership state, and the current affiliation."""

    class Status(models.TextChoices):
        UNVERIFIED = "unverified", "メール未確認"
        DRAFT = "draft", "申請前"
        SUBMITTED = "submitted", "審査中"
        NEEDS_INFO = "needs_info", "差し戻し"
        APPROVED = "approved", "入庁"
        REJECTED = "rejected", "不承認"
        SUSPENDED = "suspended", "利用停止"
        WITHDRAWN = "withdrawn", "退庁"
        # 年度更新 (renewals): not confirmed by the end of the grace period. Not a member
        # (no member pages, no coverage count) until they confirm, like an application
        # waiting; confirming restores them without a new application.
        LAPSED = "lapsed", "確認待ち"

    email = models.EmailField("メールアドレス", max_length=254, unique=True)
    is_staff = models.BooleanField("事務局", default=False)
    is_active = models.BooleanField("有効", default=True)
    date_joined = models.DateTimeField("登録日時", default=timezone.now)

    status = models.CharField(
        "状態", max_length=16, choices=Status.choices, default=Status.UNVERIFIED, db_index=True
    )
    status_message = models.TextField("事務局からのメッセージ", blank=True)
    submitted_at = models.DateTimeField("申請日時", null=True, blank=True)
    approved_at = models.DateTimeField("入庁日時", null=True, blank=True)

    # The application (入庁申請) and the profile it becomes.
    full_name = models.CharField("氏名", max_length=60, blank=True)
    full_name_kana = models.CharField("フリガナ", max_length=80, blank=True)
    affiliation_type = models.CharField(
        "所属の種類", max_length=20, choices=AffiliationType.choices, blank=True
    )
    local_government = models.ForeignKey(
        "municipalities.LocalGovernment",
        verbose_name="所属自治体",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    ministry = models.CharField("府省庁", max_length=40, choices=MINISTRY_CHOICES, blank=True)
    other_body = models.CharField("所属機関", max_length=100, blank=True)
    department = models.CharField("部署", max_length=100, blank=True)
    position = models.CharField("役職", max_length=60, blank=True)
    job_type = models.CharField("職種", max_length=30, choices=JOB_TYPES, blank=True)
    work_email = models.EmailField("職場のメールアドレス", blank=True)
    introduction = models.TextField("自己紹介", max_length=1000, blank=True)
    rules_agreed_at = models.DateTimeField("規約同意日時", null=True, blank=True)
    affiliation_review_pending = models.BooleanField("所属変更の確認待ち", default=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = "利用者"
        verbose_name_plural = "利用者"
        # Staff actions finer than "change" (core/staff_roles.py gives them to the roles).
        permissions = [
            ("suspend_member", "会員を利用停止・停止解除にできる"),
            ("verify_affiliation", "会員の所属変更を確認済みにできる"),
        ]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(
                condition=~models.Q(affiliation_type="local_government")
                | models.Q(local_government__isnull=False),
                name="user_local_government_set",
            ),
        ]
        indexes = [
            # The member directory's order over active members (selectors.directory_search):
            # a page is an index range scan instead of sorting every member (issue 18).
            models.Index(
                fields=["full_name_kana", "id"],
                condition=models.Q(status="approved", is_active=True),
                name="user_directory_order",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """How the site names a person: their name, or their address before they gave one;
        after withdrawal (退庁) only 「退庁した会員」."""
        if self.status == self.Status.WITHDRAWN:
            return WITHDRAWN_NAME
        return self.full_name or self.email

    @property
    def can_edit_application(self) -> bool:
        """The applicant may edit (and submit) the application in these states."""
        return self.status in APPLICATION_EDITABLE_STATES

    @property
    def is_member(self) -> bool:
        """An approved, active member (staff count as members too)."""
        return self.is_active and (self.status == self.Status.APPROVED or self.is_staff)

    @property
    def member_pages_closed_reason(self) -> str:
        """Why member pages are closed to this account (the access policy says it on the
        way to the status page)."""
        if self.status == self.Status.SUSPENDED:
            return "このアカウントは利用停止中のため、会員向けのページは使えません。"
        if self.status == self.Status.LAPSED:
            return (
                "年度更新（在職の確認）が猶予期限までに済まなかったため、会員向けのページは"
                "使えません。確認すると、申請し直さずに元に戻ります。"
            )
        return "会員向けのページは、入庁が承認されると使えます。"

    @property
    def affiliation_display(self) -> str:
        if self.affiliation_type == AffiliationType.LOCAL_GOVERNMENT and self.local_government_id:
            return str(self.local_government)
        if self.affiliation_type == AffiliationType.MINISTRY:
            return self.ministry
        return self.other_body

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.display_name


# Before a decision (申請前, 審査中, 差し戻し) the applicant may still edit the application.
APPLICATION_EDITABLE_STATES = frozenset(
    {User.Status.DRAFT, User.Status.SUBMITTED, User.Status.NEEDS_INFO}
)
# Under review: submitted and waiting, or returned for more information.
UNDER_REVIEW_STATES = frozenset({User.Status.SUBMITTED, User.Status.NEEDS_INFO})


class StatusChange(models.Model):
    """Audit trail: every state transition, who made it, and why."""

    user = models.ForeignKey(
        User, verbose_name="利用者", on_delete=models.CASCADE, related_name="status_changes"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_status = models.CharField("変更前", max_length=16, choices=User.Status.choices)
    to_status = models.CharField("変更後", max_length=16, choices=User.Status.choices)
    reason = models.CharField("理由", max_length=40, blank=True)
    message = models.TextField("メッセージ", blank=True)
    created_at = models.DateTimeField("日時", default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "状態変更履歴"
        verbose_name_plural = "状態変更履歴"

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class AffiliationRecord(models.Model):
    """Affiliation history (異動・出向): one row per period."""

    user = models.ForeignKey(
        User, verbose_name="利用者", on_delete=models.CASCADE, related_name="affiliations"
    )
    affiliation_type = models.CharField(
        "所属の種類", max_length=20, choices=AffiliationType.choices
    )
    local_government = models.ForeignKey(
        "municipalities.LocalGovernment",
        verbose_name="所属自治体",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ministry = models.CharField("府省庁", max_length=40, blank=True)
    other_body = models.CharField("所属機関", max_length=100, blank=True)
    department = models.CharField("部署", max_length=100, blank=True)
    position = models.CharField("役職", max_length=60, blank=True)
    started_on = models.DateField("開始日")
    ended_on = models.DateField("終了日", null=True, blank=True)
    verified_at = models.DateTimeField("確認日時", null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="確認者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = "所属履歴"
        verbose_name_plural = "所属履歴"

    def __str__(self) -> str:
        place = self.local_government or self.ministry or self.other_body
        return f"{place} {self.department} ({self.started_on}〜{self.ended_on or ''})"


class TrustedDomain(models.Model):
    """E-mail domains that signal a public employer; suffix match (`lg.jp` matches
    `city.example.lg.jp`)."""

    domain = models.CharField("ドメイン", max_length=120, unique=True)
    local_government = models.ForeignKey(
        "municipalities.LocalGovernment",
        verbose_name="自治体",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trusted_domains",
    )
    note = models.CharField("メモ", max_length=200, blank=True)

    class Meta:
        ordering = ["domain"]
        verbose_name = "信頼済みドメイン"
        verbose_name_plural = "信頼済みドメイン"

    def __str__(self) -> str:
        return self.domain

    def save(self, *args, **kwargs):
        self.domain = self.domain.strip().lower().lstrip("@.")
        super().save(*args, **kwargs)


class Application(User):
    """The staff review queue (入庁申請) in the admin: the same rows as User."""

    class Meta:
        proxy = True
        verbose_name = "入庁申請"
        verbose_name_plural = "入庁申請（審査キュー）"
        permissions = [("approve_application", "入庁申請を審査できる（承認・不承認・差し戻し）")]


class StaffAuthenticator(Authenticator):
    """allauth.mfa's authenticators (TOTP, recovery codes) in the admin, under a Japanese
    name: the admin lists this proxy instead of allauth's own entry ("Authenticators")."""

    class Meta:
        proxy = True
        verbose_name = "二要素認証の登録"
        verbose_name_plural = "二要素認証の登録"
