"""Vetting and membership: every state change happens here, under a row lock, with an
audit row and the applicant's e-mail written in the same transaction."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import plugins
from core.errors import ServiceError
from municipalities.services import coverage_invalidate
from outbox.services import mail_enqueue

from .models import (
    WITHDRAWN_NAME,
    AffiliationRecord,
    AffiliationType,
    StatusChange,
    TrustedDomain,
    User,
)

logger = logging.getLogger(__name__)
S = User.Status

REJECT_REASONS = [
    ("not_public_servant", "現役の公務員であることを確認できませんでした"),
    ("unverifiable", "ご所属を確認できませんでした"),
    ("duplicate", "すでに別のアカウントで申請・参加されています"),
    ("other", "その他"),
]
SUSPEND_REASONS = [
    ("conduct", "行動規範への違反"),
    ("retired", "退職・離職が確認されたため"),
    ("security", "アカウントの安全確認のため"),
    ("other", "その他"),
]
AFFILIATION_FIELDS = (
    "affiliation_type",
    "local_government",
    "ministry",
    "other_body",
    "department",
    "position",
)


class TransitionError(ServiceError):
    """A state change that is not allowed from the current state. The message is Japanese
    and safe to show."""


def _after_commit_membership_changed() -> None:
    """Who counts for the public coverage page changed: tell coverage after commit."""
    transaction.on_commit(coverage_invalidate)


def _lock(user_id: int) -> User:
    return User.objects.select_for_update().get(pk=user_id)


def _transition(
    *,
    user_id: int | None = None,
    user: User | None = None,
    allowed_from: set[str],
    to: str,
    actor: User | None,
    reason: str = "",
    message: str = "",
) -> User:
    """Check and record one state change on a row locked by this transaction."""
    if user is None:
        user = _lock(user_id)  # type: ignore[arg-type]  # callers pass user_id or user
    if user.status not in allowed_from:
        raise TransitionError(
            f"{user.email} は「{user.get_status_display()}」のため、この操作はできません。"
        )
    StatusChange.objects.create(
        user=user,
        actor=actor,
        from_status=user.status,
        to_status=to,
        reason=reason,
        message=message,
    )
    user.status = to
    return user


def _mail(user: User, template: str, **context: Any) -> None:
    mail_enqueue(
        to=user.email,
        recipient=user,
        template=template,
        context={"name": user.display_name, **context},
    )


def _reason_label(choices: list[tuple[str, str]], reason: str) -> str:
    return dict(choices).get(reason, "")


# --- e-mail verification ------------------------------------------------------------------


@transaction.atomic
def account_email_verified(*, user_id: int) -> User:
    """allauth confirmed the address: the applicant may now fill in the application."""
    user = _lock(user_id)
    if user.status != S.UNVERIFIED:
        return user
    user = _transition(user=user, allowed_from={S.UNVERIFIED}, to=S.DRAFT, actor=user)
    user.save(update_fields=["status"])
    return user


# --- trust signals ---------------------------------------------------------------------------


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""


def trusted_domain_for(email: str, domains: list[TrustedDomain] | None = None):
    """The most specific trusted domain that the address's domain ends with, or None."""
    domain = email_domain(email)
    if not domain:
        return None
    if domains is None:
        domains = list(TrustedDomain.objects.select_related("local_government__prefecture"))
    best = None
    for candidate in domains:
        d = candidate.domain
        if (domain == d or domain.endswith("." + d)) and (
            best is None or len(d) > len(best.domain)
        ):
            best = candidate
    return best


# --- the application ---------------------------------------------------------------------


def _record_affiliation(user: User, *, started_on: date | None = None) -> None:
    today = started_on or timezone.localdate()
    AffiliationRecord.objects.filter(user=user, ended_on__isnull=True).update(ended_on=today)
    AffiliationRecord.objects.create(
        user=user,
        affiliation_type=user.affiliation_type,
        local_government=user.local_government,
        ministry=user.ministry,
        other_body=user.other_body,
        department=user.department,
        position=user.position,
        started_on=today,
    )


@transaction.atomic
def application_save(*, user: User, data: dict[str, Any]) -> User:
    """Save the applicant's answers and submit (draft/needs-info → submitted). While the
    application waits (submitted), the applicant may edit it without changing state."""
    locked = _lock(user.pk)
    if not locked.can_edit_application:
        raise TransitionError("この申請は現在編集できません。")
    for field, value in data.items():
        setattr(locked, field, value)
    if locked.affiliation_type != AffiliationType.LOCAL_GOVERNMENT:
        locked.local_government = None
    if locked.rules_agreed_at is None:
        locked.rules_agreed_at = timezone.now()
    was = locked.status
    if was != S.SUBMITTED:
        _transition(user=locked, allowed_from={S.DRAFT, S.NEEDS_INFO}, to=S.SUBMITTED, actor=user)
        locked.submitted_at = timezone.now()
        locked.status_message = ""
    locked.full_clean(exclude=["password", "email"])
    locked.save()
    if was != S.SUBMITTED:
        _mail(locked, "vetting_submitted", resubmitted=was == S.NEEDS_INFO)
        if settings.VETTING_AUTO_APPROVE_TRUSTED and trusted_domain_for(locked.email):
            return application_approve(user_id=locked.pk, actor=None, auto=True)
    return locked


@transaction.atomic
def application_approve(*, user_id: int, actor: User | None, auto: bool = False) -> User:
    user = _transition(
        user_id=user_id,
        allowed_from={S.SUBMITTED},
        to=S.APPROVED,
        actor=actor,
        reason="auto_trusted_domain" if auto else "",
    )
    user.approved_at = timezone.now()
    user.status_message = ""
    user.save(update_fields=["status", "approved_at", "status_message"])
    if not user.affiliations.exists():
        _record_affiliation(user, started_on=timezone.localdate())
    AffiliationRecord.objects.filter(user=user, verified_at__isnull=True).update(
        verified_at=timezone.now(), verified_by=actor
    )
    _mail(user, "vetting_approved")
    _after_commit_membership_changed()
    return user


def _transition_with_reason(
    *,
    user_id: int,
    actor: User,
    reason: str,
    message: str,
    choices: list[tuple[str, str]],
    allowed_from: set[str],
    to: str,
    template: str,
    missing: str,
) -> User:
    """A transition that needs one of `choices` as its reason; the reason's label (and the
    optional message) is what the user sees on the status page and in the mail."""
    if reason not in dict(choices):
        raise TransitionError(missing)
    user = _transition(
        user_id=user_id,
        allowed_from=allowed_from,
        to=to,
        actor=actor,
        reason=reason,
        message=message,
    )
    label = _reason_label(choices, reason)
    user.status_message = f"{label}\n{message}".strip()
    user.save(update_fields=["status", "status_message"])
    _mail(user, template, reason=label, message=message)
    return user


@transaction.atomic
def application_reject(*, user_id: int, actor: User, reason: str, message: str = "") -> User:
    return _transition_with_reason(
        user_id=user_id,
        actor=actor,
        reason=reason,
        message=message,
        choices=REJECT_REASONS,
        allowed_from={S.SUBMITTED, S.NEEDS_INFO},
        to=S.REJECTED,
        template="vetting_rejected",
        missing="不承認の理由を選んでください。",
    )


@transaction.atomic
def application_request_info(*, user_id: int, actor: User, message: str) -> User:
    if not message.strip():
        raise TransitionError("申請者への確認事項を入力してください。")
    user = _transition(
        user_id=user_id,
        allowed_from={S.SUBMITTED},
        to=S.NEEDS_INFO,
        actor=actor,
        message=message,
    )
    user.status_message = message
    user.save(update_fields=["status", "status_message"])
    _mail(user, "vetting_needs_info", message=message)
    return user


# --- members ---------------------------------------------------------------------------


@transaction.atomic
def member_suspend(*, user_id: int, actor: User, reason: str, message: str = "") -> User:
    user = _transition_with_reason(
        user_id=user_id,
        actor=actor,
        reason=reason,
        message=message,
        choices=SUSPEND_REASONS,
        allowed_from={S.APPROVED},
        to=S.SUSPENDED,
        template="vetting_suspended",
        missing="利用停止の理由を選んでください。",
    )
    # Seats at future meetings and trainings go back (the waitlists move); reinstating
    # does not restore them: the member registers again.
    _access_lost(user, reason="suspended")
    _after_commit_membership_changed()
    return user


@transaction.atomic
def member_reinstate(*, user_id: int, actor: User) -> User:
    user = _transition(user_id=user_id, allowed_from={S.SUSPENDED}, to=S.APPROVED, actor=actor)
    user.status_message = ""
    user.save(update_fields=["status", "status_message"])
    _mail(user, "vetting_reinstated")
    _after_commit_membership_changed()
    return user


WITHDRAWABLE: set[str] = {
    S.APPROVED,
    S.SUSPENDED,
    S.SUBMITTED,
    S.NEEDS_INFO,
    S.DRAFT,
    S.REJECTED,
    S.LAPSED,
}


@transaction.atomic
def member_lapse(*, user_id: int, actor: User | None = None, message: str = "") -> User:
    """年度更新: an approved member who did not confirm by the end of the grace period
    loses member access (確認待ち): seats at future meetings and trainings go back through
    the same access hooks as suspension and withdrawal, and they stop counting for
    coverage. The caller (renewals) writes its own notice."""
    user = _transition(
        user_id=user_id,
        allowed_from={S.APPROVED},
        to=S.LAPSED,
        actor=actor,
        reason="renewal_lapsed",
        message=message,
    )
    user.save(update_fields=["status"])
    _access_lost(user, reason="lapsed")
    _after_commit_membership_changed()
    return user


@transaction.atomic
def member_restore(*, user_id: int, actor: User | None) -> User:
    """A lapsed member confirmed (年度更新): back to 入庁 without a new application. Seats
    given back at the lapse are not restored (they register again)."""
    user = _transition(
        user_id=user_id,
        allowed_from={S.LAPSED},
        to=S.APPROVED,
        actor=actor,
        reason="renewal_confirmed",
    )
    user.save(update_fields=["status"])
    _after_commit_membership_changed()
    return user


@transaction.atomic
def member_withdraw(*, user_id: int, actor: User) -> User:
    """退庁: the member loses access (seats given back), every app erases what it holds
    about them (`core.plugins.PersonalData`), and the account row keeps only what an audit
    needs: that it existed, its states and their dates. It stops counting for coverage."""
    user = _transition(
        user_id=user_id,
        allowed_from=WITHDRAWABLE,
        to=S.WITHDRAWN,
        actor=actor,
    )
    farewell_to, farewell_name = user.email, user.full_name
    emails = sorted(
        {user.email, user.work_email, *user.emailaddress_set.values_list("email", flat=True)} - {""}  # type: ignore[attr-defined]  # allauth is untyped
    )
    _access_lost(user, reason="withdrawn")
    for entry in plugins.personal_data():
        entry.erase(user=user, emails=emails)
    # The goodbye goes to the old address once; the outbox forgets it after sending
    # (erase_after_send: address, name and body are blanked once it went out).
    mail_enqueue(
        to=farewell_to,
        template="vetting_withdrawn",
        context={"name": farewell_name or farewell_to},
        erase_after_send=True,
    )
    _after_commit_membership_changed()
    return user


def personal_data_erase(*, user: User, emails: list[str]) -> None:
    """accounts' part of withdrawal: the account row, its affiliation history, the
    messages of its audit trail, its e-mail addresses and authenticators, and the names
    the admin's change log kept. Runs last (see apps.py)."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from django.contrib.admin.models import LogEntry

    name = user.full_name
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    AffiliationRecord.objects.filter(user=user).update(
        affiliation_type=AffiliationType.OTHER,
        local_government=None,
        ministry="",
        other_body="",
        department="",
        position="",
    )
    StatusChange.objects.filter(user=user).update(message="")
    logs = LogEntry.objects.filter(object_repr__in=[value for value in (name, user.email) if value])
    logs.update(object_repr=WITHDRAWN_NAME, change_message="")
    user.email = f"withdrawn-{user.pk}@withdrawn.invalid"
    user.full_name = ""
    user.full_name_kana = ""
    user.affiliation_type = ""
    user.local_government = None
    user.ministry = ""
    user.other_body = ""
    user.department = ""
    user.position = ""
    user.job_type = ""
    user.work_email = ""
    user.introduction = ""
    user.status_message = ""
    user.affiliation_review_pending = False
    user.is_active = False
    user.set_unusable_password()
    user.save()


def _access_lost(user: User, *, reason: str) -> None:
    """Tell every app that this member lost access (seats given back, reminders
    stopped), inside this transaction (`core.plugins.AccessHook`)."""
    for hook in plugins.access_hooks():
        hook.on_access_lost(user=user, reason=reason)


# --- profile -----------------------------------------------------------------------------


@transaction.atomic
def profile_update(
    *,
    user: User,
    data: dict[str, Any],
    effective_on: date | None = None,
    allow_lapsed: bool = False,
) -> User:
    """A member edits their profile. A change of affiliation (異動・出向) keeps them active,
    closes the old affiliation period, opens a new one, and flags it for staff review.

    `allow_lapsed` (年度更新): a lapsed member (確認待ち) who reports a change of body may
    record it too; they stay lapsed until staff verify it (`affiliation_verify`)."""
    locked = _lock(user.pk)
    if not (locked.is_member or (allow_lapsed and locked.status == S.LAPSED)):
        raise TransitionError("プロフィールを編集できるのは入庁済みの方だけです。")
    before = {f: getattr(locked, f) for f in AFFILIATION_FIELDS}
    for field, value in data.items():
        setattr(locked, field, value)
    if locked.affiliation_type != AffiliationType.LOCAL_GOVERNMENT:
        locked.local_government = None
    changed = [f for f in AFFILIATION_FIELDS if getattr(locked, f) != before[f]]
    moved = any(
        f in changed for f in ("affiliation_type", "local_government", "ministry", "other_body")
    )
    locked.full_clean(exclude=["password", "email"])
    if changed:
        _record_affiliation(locked, started_on=effective_on)
    if moved:
        locked.affiliation_review_pending = True
        StatusChange.objects.create(
            user=locked,
            actor=user,
            from_status=locked.status,
            to_status=locked.status,
            reason="affiliation_changed",
            message=f"所属変更: {_describe(before)} → {locked.affiliation_display}",
        )
        _after_commit_membership_changed()
    locked.save()
    return locked


@transaction.atomic
def profile_introduction_clear(*, user_id: int, actor: User) -> User:
    """A moderator's 削除 of a reported profile: the 自己紹介 is emptied (the member may
    write a new one). The caller (moderation) has checked the authority."""
    locked = _lock(user_id)
    if locked.introduction:
        locked.introduction = ""
        locked.save(update_fields=["introduction"])
        StatusChange.objects.create(
            user=locked,
            actor=actor,
            from_status=locked.status,
            to_status=locked.status,
            reason="introduction_removed",
            message="自己紹介を事務局が削除しました",
        )
    return locked


def _describe(values: dict[str, Any]) -> str:
    if values["affiliation_type"] == AffiliationType.LOCAL_GOVERNMENT and values.get(
        "local_government"
    ):
        return str(values["local_government"])
    return values.get("ministry") or values.get("other_body") or "（未設定）"


@transaction.atomic
def affiliation_verify(*, user_id: int, actor: User | None) -> User:
    """Staff verified a change of body (`actor`), or the new body's trusted domain did
    (年度更新: `actor` None)."""
    user = _lock(user_id)
    if not user.affiliation_review_pending:
        raise TransitionError(f"{user} の所属変更は確認済みです。")
    user.affiliation_review_pending = False
    # A lapsed member (年度更新, 確認待ち) who moved to another body comes back once staff
    # have verified the new body: the one case where confirming alone does not restore.
    restored = user.status == S.LAPSED
    AffiliationRecord.objects.filter(user=user, verified_at__isnull=True).update(
        verified_at=timezone.now(), verified_by=actor
    )
    StatusChange.objects.create(
        user=user,
        actor=actor,
        from_status=user.status,
        to_status=S.APPROVED if restored else user.status,
        reason="affiliation_verified",
        message="所属変更を確認しました",
    )
    if restored:
        user.status = S.APPROVED
    user.save(update_fields=["affiliation_review_pending", "status"])
    _after_commit_membership_changed()  # the new local government counts from now on
    return user


# --- staff digest -------------------------------------------------------------------------


def overdue_application_lines(now: datetime) -> list[str]:
    """One line per application that has waited longer than VETTING_OVERDUE_HOURS,
    oldest first (registered as this app's OverdueReview)."""
    limit = now - timedelta(hours=settings.VETTING_OVERDUE_HOURS)
    waiting = (
        User.objects.filter(status=S.SUBMITTED, submitted_at__lt=limit)
        .select_related("local_government__prefecture")
        .order_by("submitted_at")
    )
    return [
        f"{u.full_name}（{u.affiliation_display}、{u.email}）："
        f"{int((now - u.submitted_at).total_seconds() // 3600)} 時間待ち"  # type: ignore[operator]  # filtered: set
        for u in waiting
    ]


def applications_overdue_notify(*, now: datetime | None = None) -> int:
    """The daily staff overdue mail: every registered `plugins.OverdueReview` (applications
    waiting longer than VETTING_OVERDUE_HOURS, and what other apps register) in one mail.
    Nothing overdue, no mail. One mail per staff address per day (dedupe key), so a
    second beat sends nothing."""
    from core import plugins

    now = now or timezone.now()
    blocks = []
    for review in plugins.overdue_reviews():
        lines = review.lines(now)
        if lines:
            blocks.append({"title": review.title, "lines": lines, "url": review.url})
    if not blocks:
        return 0
    recipients = settings.STAFF_NOTIFY_EMAILS or list(
        User.objects.filter(is_staff=True, is_active=True).values_list("email", flat=True)
    )
    day = timezone.localdate(now).isoformat()
    sent = 0
    with transaction.atomic():
        for address in recipients:
            if mail_enqueue(
                to=address,
                template="vetting_overdue",
                context={"blocks": blocks, "count": sum(len(b["lines"]) for b in blocks)},
                dedupe_key=f"vetting:overdue:{day}:{address}",
            ):
                sent += 1
    return sent
