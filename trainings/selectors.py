"""Reads over trainings, and who may apply, see materials and watch the archive."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import UNDER_REVIEW_STATES, User
from events.models import Event, Registration
from events.selectors import going_count

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
ORIENTATION_PROBLEMS: dict[str, str] = {
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


def member_section_ids(user: User) -> set[int]:
    """The sections `user` belongs to (one query), for checking many trainings at once."""
    from sections.models import SectionMembership

    return set(SectionMembership.objects.filter(user=user).values_list("section_id", flat=True))


def eligibility_problem(
    training: Training, user: User, *, section_ids: set[int] | None = None
) -> str | None:
    """None when `user` may apply, else the reason in Japanese. Enforced by the
    registration service through the owner policy, not only shown. Pass `section_ids`
    (`member_section_ids(user)`) when checking many trainings: no query then, provided
    `audience_sections` is prefetched."""
    if user.is_staff:
        return None
    if training.is_orientation:
        return orientation_problem(user)
    if not user.is_member:
        return "研修に申し込めるのは入庁済みの会員だけです。"
    if training.audience == Training.Audience.SECTIONS:
        sections = list(training.audience_sections.all())
        if section_ids is None:
            section_ids = member_section_ids(user)
        if not {s.pk for s in sections} & section_ids:
            names = "、".join(s.name for s in sections) or "（未設定）"
            return f"この研修は次の課のメンバーが対象です：{names}"
    if training.audience == Training.Audience.JOB_TYPES:
        if user.job_type not in (training.audience_job_types or []):
            mine = user.get_job_type_display() or "未設定"
            return (
                f"この研修は次の職種の方が対象です：{training.audience_job_type_names}。"
                f"あなたのプロフィールの職種は「{mine}」です。"
            )
    return None


def trainings_split_by_eligibility(
    trainings: Iterable[Training], user: User, *, keep: Iterable[int] = ()
) -> tuple[list[Training], list[tuple[Training, str]]]:
    """(those `user` may apply to, [(the others, why not)]), in the given order. Trainings
    whose ids are in `keep` (e.g. already applied to) stay in the first list. One query
    at most (the member's sections), given `audience_sections` prefetched."""
    trainings = list(trainings)
    keep = set(keep)
    section_ids: set[int] | None = None
    if not user.is_staff and any(t.audience == Training.Audience.SECTIONS for t in trainings):
        section_ids = member_section_ids(user)
    eligible: list[Training] = []
    others: list[tuple[Training, str]] = []
    for training in trainings:
        problem = None
        if training.pk not in keep:
            problem = eligibility_problem(training, user, section_ids=section_ids or set())
        if problem:
            others.append((training, problem))
        else:
            eligible.append(training)
    return eligible, others


def _base() -> QuerySet[Training]:
    return Training.objects.select_related("event").prefetch_related(
        "lecturers", "audience_sections"
    )


def trainings_for_list(*, upcoming: bool, now: datetime | None = None) -> QuerySet[Training]:
    now = now or timezone.now()
    # going_count: a correlated count per listed training on the registrations' index, not
    # a join that aggregated every registration of every training first (issue 18).
    qs = _base().filter(is_orientation=False).annotate(going_count=going_count())
    if upcoming:
        return qs.filter(event__ends_at__gt=now).order_by("event__starts_at", "pk")
    return qs.filter(event__ends_at__lte=now).order_by("-event__starts_at", "-pk")


@dataclass
class OpenTrainings:
    """The home panel's 「受付中の研修」: what the member can apply to (first `limit`), how
    many more there are, and the open ones that are for other 職種 or 課 (with why)."""

    can_apply: list[Training]
    more: int
    not_for_you: list[tuple[Training, str]]


def trainings_open_for(*, user: User, limit: int = 3, now: datetime | None = None) -> OpenTrainings:
    """Upcoming trainings still taking applications that this member has not applied to,
    split by eligibility (`eligibility_problem`). Three queries whatever the number."""
    now = now or timezone.now()
    qs = (
        Training.objects.select_related("event")
        .prefetch_related("audience_sections")
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
    eligible, others = trainings_split_by_eligibility(qs, user)
    return OpenTrainings(eligible[:limit], max(0, len(eligible) - limit), others)


def my_registrations(*, user: User, training_ids: list[int]) -> dict[int, Registration]:
    regs = Registration.objects.filter(user=user, event__training__in=training_ids).select_related(
        "event__training"
    )
    return {r.event.training.pk: r for r in regs}


def training_get(*, pk: int, user: User) -> Training:
    """A training this user may see; 404 for anything else (tampered ids too)."""
    training = _base().prefetch_related("materials").filter(pk=pk).first()
    if training is None:
        raise Http404("研修が見つかりません。")
    if not can_view(training=training, user=user):
        raise Http404("研修が見つかりません。")
    return training


def registration_for(*, training: Training, user: User) -> Registration | None:
    return Registration.objects.filter(event=training.event, user=user).first()


def may_download_materials(
    *, training: Training, user: User, registration: Registration | None = None
) -> bool:
    if user.is_staff:
        return True
    registration = registration or registration_for(training=training, user=user)
    return registration is not None and (
        registration.status == S.GOING or registration.attended is True
    )


def may_watch_archive(
    *,
    training: Training,
    user: User,
    registration: Registration | None = None,
    now: datetime | None = None,
) -> bool:
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
                {True: "出席", False: "欠席", None: ""}[reg.attended],
                *[(reg.answers or {}).get(str(i), "") for i in range(len(questions))],
            ]
        )
    return header, rows
