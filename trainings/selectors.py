"""Reads over trainings, and who may apply, see materials and watch the archive."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import UNDER_REVIEW_STATES, User
from events.models import Event, Registration

from .models import Training

S = Registration.Status
ACTIVE = (S.GOING, S.WAITLISTED)


# Applicants still under review may see and apply to the orientation (and nothing else).
ORIENTATION_STATES = UNDER_REVIEW_STATES | {User.Status.APPROVED}


def may_attend_orientation(user: User) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_staff or user.status in ORIENTATION_STATES)
    )


# Why an account that may not use the orientation may not: shown on /orientation/ instead
# of the dates, and given by the registration service if they try anyway.
ORIENTATION_PROBLEMS = {
    User.Status.UNVERIFIED: (
        "説明会には、メールアドレスの確認を済ませて入庁申請を送信すると申し込めます。"
    ),
    User.Status.DRAFT: "説明会には、入庁申請を送信すると申し込めます。",
    User.Status.REJECTED: "入庁申請が承認されなかったため、説明会には申し込めません。",
    User.Status.SUSPENDED: "アカウントが利用停止中のため、説明会には申し込めません。",
    User.Status.WITHDRAWN: "退庁済みのアカウントでは説明会に申し込めません。",
}
ORIENTATION_PROBLEM_DEFAULT = "説明会に申し込めるのは、入庁申請中または入庁済みの方です。"


def orientation_problem(user: User) -> str | None:
    """None when `user` may see and apply to the orientation, else why not (Japanese)."""
    if may_attend_orientation(user):
        return None
    if not user.is_authenticated:
        return ORIENTATION_PROBLEM_DEFAULT
    return ORIENTATION_PROBLEMS.get(user.status, ORIENTATION_PROBLEM_DEFAULT)


def can_view(*, training: Training, user: User) -> bool:
    """Who may see a training: members; the orientation also applicants under review."""
    if not user.is_authenticated or not user.is_active:
        return False
    if training.is_orientation:
        return may_attend_orientation(user)
    return user.is_member


def eligibility_problem(training: Training, user: User) -> str | None:
    """None when `user` may apply, else the reason in Japanese. Enforced by the
    registration service through the owner policy, not only shown."""
    if user.is_staff:
        return None
    if training.is_orientation:
        return orientation_problem(user)
    if not user.is_member:
        return "研修に申し込めるのは入庁済みの会員だけです。"
    if training.audience == Training.Audience.SECTIONS:
        from sections.models import SectionMembership

        section_ids = [s.pk for s in training.audience_sections.all()]
        if not SectionMembership.objects.filter(user=user, section_id__in=section_ids).exists():
            names = "、".join(s.name for s in training.audience_sections.all())
            return f"この研修は次の課のメンバーが対象です：{names}"
    if training.audience == Training.Audience.JOB_TYPES:
        if user.job_type not in (training.audience_job_types or []):
            return (
                "この研修は対象の職種の方だけが申し込めます。プロフィールの職種をご確認ください。"
            )
    return None


def _base() -> QuerySet[Training]:
    return Training.objects.select_related("event").prefetch_related(
        "lecturers", "audience_sections"
    )


def trainings_for_list(*, upcoming: bool, now: datetime | None = None) -> QuerySet[Training]:
    now = now or timezone.now()
    qs = (
        _base()
        .filter(is_orientation=False)
        .annotate(
            going_count=Count(
                "event__registrations", filter=Q(event__registrations__status=S.GOING)
            )
        )
    )
    if upcoming:
        return qs.filter(event__ends_at__gt=now).order_by("event__starts_at", "pk")
    return qs.filter(event__ends_at__lte=now).order_by("-event__starts_at", "-pk")


def trainings_open_for(*, user, limit: int = 3, now: datetime | None = None) -> list[Training]:
    """Upcoming trainings still taking applications that this member has not applied to."""
    now = now or timezone.now()
    qs = (
        Training.objects.select_related("event")
        .filter(
            is_orientation=False,
            application_opens_at__lte=now,
            event__status=Event.Status.SCHEDULED,
            event__starts_at__gt=now,
        )
        .filter(Q(event__rsvp_deadline__isnull=True) | Q(event__rsvp_deadline__gt=now))
        .exclude(event__registrations__user=user, event__registrations__status__in=ACTIVE)
        .order_by("event__starts_at", "pk")
    )
    return list(qs[:limit])


def my_registrations(*, user, training_ids: list[int]) -> dict[int, Registration]:
    regs = Registration.objects.filter(user=user, event__training__in=training_ids).select_related(
        "event__training"
    )
    return {r.event.training.pk: r for r in regs}


def training_get(*, pk: int, user) -> Training:
    """A training this user may see; 404 for anything else (tampered ids too)."""
    training = _base().prefetch_related("materials").filter(pk=pk).first()
    if training is None:
        raise Http404("研修が見つかりません。")
    if not can_view(training=training, user=user):
        raise Http404("研修が見つかりません。")
    return training


def registration_for(*, training: Training, user) -> Registration | None:
    return Registration.objects.filter(event=training.event, user=user).first()


def may_download_materials(*, training: Training, user, registration=None) -> bool:
    if user.is_staff:
        return True
    registration = registration or registration_for(training=training, user=user)
    return registration is not None and (
        registration.status == S.GOING or registration.attended is True
    )


def may_watch_archive(*, training: Training, user, registration=None, now=None) -> bool:
    now = now or timezone.now()
    if not training.archive_url or now < training.event.ends_at:
        return False
    if user.is_staff:
        return True
    if training.archive_access == Training.ArchiveAccess.MEMBERS and user.is_member:
        return True
    registration = registration or registration_for(training=training, user=user)
    return registration is not None and (
        registration.status == S.GOING or registration.attended is True
    )


def registrants(training: Training) -> QuerySet[Registration]:
    """Everyone who applied (any state), for staff: names, kana, local government."""
    return (
        Registration.objects.filter(event=training.event)
        .select_related("user__local_government__prefecture")
        .order_by("status", "created_at", "pk")
    )


def orientations_upcoming(*, now: datetime | None = None, limit: int = 4) -> list[Training]:
    now = now or timezone.now()
    return list(
        _base()
        .filter(is_orientation=True, event__ends_at__gt=now, event__status=Event.Status.SCHEDULED)
        .order_by("event__starts_at")[:limit]
    )


CSV_HEADER = ["氏名", "フリガナ", "メールアドレス", "所属", "状態", "申込日時",
              "参加リンク初回クリック", "出席"]  # fmt: skip


def registrants_table(training: Training) -> tuple[list[str], list[list[str]]]:
    """Registrants for the staff CSV: the header (Japanese) and one row per registration.
    Written by `core.exports` (BOM, CRLF, formula-safe cells)."""
    questions = list(training.questions or [])
    header = CSV_HEADER + [f"質問{i + 1}: {q}" for i, q in enumerate(questions)]
    rows = []
    for reg in registrants(training):
        u = reg.user
        rows.append(
            [
                u.full_name,
                u.full_name_kana,
                u.email,
                u.affiliation_display,
                reg.get_status_display(),
                timezone.localtime(reg.created_at).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(reg.first_clicked_at).strftime("%Y-%m-%d %H:%M")
                if reg.first_clicked_at
                else "",
                {True: "出席", False: "欠席"}.get(reg.attended, ""),
                *[(reg.answers or {}).get(str(i), "") for i in range(len(questions))],
            ]
        )
    return header, rows
