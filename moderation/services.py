"""Writes for moderation: reports, auto-hide, decisions, penalties, the 行動規範.

Every service is keyword-only and owns its transaction; a refusal raises
`ModerationError` (a `core.errors.ServiceError`; codes forbidden, not_found, invalid,
rate_limited, duplicate) and changes nothing. Hiding, restoring, deleting and redacting a
post go through `discussions.services`; 利用停止 through `accounts.services`. Every action
writes one `AuditEntry`; every notice goes through `moderation.notices`.

Locks: the case row (reports of one thing are serialised on it, so a post is hidden once
and its notices are written once), then the discussions topic and post rows (taken by
discussions' own services). Penalties lock their own row; the sweeps skip locked rows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from core.errors import ServiceError
from core.jst import format_jst
from discussions import selectors as discussion_selectors
from discussions import services as discussion_services
from discussions.models import Post

from . import notices, selectors
from .models import (
    TEXT_MAX,
    AuditEntry,
    Case,
    CodeOfConduct,
    ConductAcceptance,
    Penalty,
    Reason,
    Report,
)

# Auto-hide thresholds (docs/moderation.md).
DISTINCT_REPORTERS_TO_HIDE = 3
PERSONAL_REPORTERS_TO_HIDE = 2
# Reason priority when reports disagree (the category the author sees).
PRIORITY = [Reason.PERSONAL, Reason.INAPPROPRIATE, Reason.SPAM, Reason.OTHER]


class ModerationError(ServiceError):
    """A moderation rule said no."""


@dataclass
class ReportResult:
    report: Report
    case: Case
    created: bool
    hidden_now: bool = False

    @property
    def message(self) -> str:
        if not self.created:
            return (
                "この内容はすでに報告済みです。重ねて報告しても変わりません。"
                "審査の結果はメールでお知らせします。"
            )
        return (
            "報告を受け付けました。ご協力ありがとうございます。"
            "審査の結果はメールでお知らせします（7日以内）。"
        )


def _audit(action: str, *, actor=None, case=None, penalty=None, subject=None, detail="", now=None):
    AuditEntry.objects.create(
        action=action,
        actor=actor,
        case=case,
        penalty=penalty,
        subject=subject,
        detail=detail,
        created_at=now or timezone.now(),
    )


def _rate_limit(reporter, now: datetime) -> None:
    limit = getattr(settings, "MODERATION_REPORT_LIMIT", 10)
    window = getattr(settings, "MODERATION_REPORT_WINDOW", 3600)
    recent = Report.objects.filter(
        reporter=reporter, created_at__gt=now - timedelta(seconds=window)
    ).count()
    if recent >= limit:
        raise ModerationError(
            f"短い時間に報告が続いています（{window // 60}分間に{limit}件まで）。"
            "しばらく待ってからもう一度送信してください。",
            "rate_limited",
        )


def _check_reason(reason: str, text: str) -> str:
    if reason not in Reason.values:
        raise ModerationError("報告の理由を選んでください。")
    text = (text or "").strip()
    if reason == Reason.OTHER and not text:
        raise ModerationError("「その他」を選んだときは、報告の内容を書いてください。")
    if len(text) > TEXT_MAX:
        raise ModerationError(f"報告の内容は{TEXT_MAX:,}文字以内にしてください。")
    return text


def _target(*, reporter, post_id, profile_id):
    """(kind, post, profile, section_id, author) of what is reported, if `reporter` may
    read it; ModerationError otherwise."""
    if (post_id is None) == (profile_id is None):
        raise ModerationError("報告する内容が見つかりません。", "not_found")
    if post_id is not None:
        post = (
            Post.objects.select_related("topic__section__discussion_setting", "author")
            .filter(pk=post_id)
            .first()
        )
        if post is None or not discussion_selectors.may_read_post(user=reporter, post=post):
            raise ModerationError("報告する投稿が見つかりません。", "not_found")
        if post.author_id == reporter.pk:
            raise ModerationError("自分の投稿は報告できません。", "forbidden")
        kind = Case.Kind.TOPIC if post.is_opening else Case.Kind.REPLY
        return kind, post, None, post.topic.section_id, post.author
    profile = User.objects.filter(pk=profile_id).first()
    if profile is None or not profile.is_member:
        raise ModerationError("報告するプロフィールが見つかりません。", "not_found")
    if profile.pk == reporter.pk:
        raise ModerationError("自分のプロフィールは報告できません。", "forbidden")
    return Case.Kind.PROFILE, None, profile, None, profile


def _open_case(*, kind, post, profile, section_id, author, now) -> Case:
    """The thing's open case, locked (created when there is none; two first reports at
    once meet on the partial unique constraint and the second takes the first's row)."""
    lookup = {"post": post} if post is not None else {"profile": profile}
    case = Case.objects.select_for_update().filter(decided_at__isnull=True, **lookup).first()
    if case is not None:
        return case
    try:
        with transaction.atomic():
            case = Case.objects.create(
                kind=kind, section_id=section_id, author=author, opened_at=now, **lookup
            )
    except IntegrityError:
        pass
    return Case.objects.select_for_update().get(decided_at__isnull=True, **lookup)


def _is_protected(case: Case) -> bool:
    """A head's, deputy's or staff's post: one member's reports alone never hide it."""
    author = case.author
    if author is None:
        return False
    return author.is_staff or selectors.is_section_manager(user=author, section_id=case.section_id)


def _weighty(reporter, case: Case) -> bool:
    """One report from staff, or from a head or deputy of the section, hides."""
    return reporter.is_staff or selectors.is_section_manager(
        user=reporter, section_id=case.section_id
    )


def _category(reports: list[Report]) -> str:
    counts = Counter(r.reason for r in reports)
    if counts[Reason.PERSONAL] >= PERSONAL_REPORTERS_TO_HIDE:
        return Reason.PERSONAL
    best = max(counts.values())
    return next(reason for reason in PRIORITY if counts[reason] == best)


def _should_hide(case: Case, reports: list[Report]) -> bool:
    reporters = {r.reporter_id for r in reports}
    personal = {r.reporter_id for r in reports if r.reason == Reason.PERSONAL}
    if len(reporters) >= DISTINCT_REPORTERS_TO_HIDE or len(personal) >= PERSONAL_REPORTERS_TO_HIDE:
        return True
    if _is_protected(case):
        return False
    return any(_weighty(r.reporter, case) for r in reports)


@transaction.atomic
def report_create(
    *,
    reporter,
    reason: str,
    text: str = "",
    post_id: int | None = None,
    profile_id: int | None = None,
    now: datetime | None = None,
) -> ReportResult:
    """A member reports a topic (its opening post), a reply or a profile. Once per member
    per thing: a second report changes nothing (`created` is False). Reports of a post
    may hide it at once (the thresholds above); the author is told, once."""
    now = now or timezone.now()
    if reporter is None or not reporter.is_authenticated or not reporter.is_member:
        raise ModerationError("報告できるのは会員だけです。", "forbidden")
    text = _check_reason(reason, text)
    kind, post, profile, section_id, author = _target(
        reporter=reporter, post_id=post_id, profile_id=profile_id
    )
    lookup = {"post": post} if post is not None else {"profile": profile}
    earlier = Report.objects.select_related("case").filter(reporter=reporter, **lookup).first()
    if earlier is not None:
        return ReportResult(earlier, earlier.case, created=False)
    _rate_limit(reporter, now)
    case = _open_case(
        kind=kind, post=post, profile=profile, section_id=section_id, author=author, now=now
    )
    try:
        with transaction.atomic():
            report = Report.objects.create(
                case=case, reporter=reporter, reason=reason, text=text, created_at=now, **lookup
            )
    except IntegrityError:  # the same member's second click, at the same moment
        earlier = Report.objects.select_related("case").get(reporter=reporter, **lookup)
        return ReportResult(earlier, earlier.case, created=False)
    case.report_count = case.reports.count()
    case.save(update_fields=["report_count"])
    _audit(
        AuditEntry.Action.REPORT,
        actor=reporter,
        case=case,
        subject=author,
        detail=f"{case.get_kind_display()}を報告（{Reason(reason).label}）",
        now=now,
    )
    hidden_now = False
    if post is not None and case.auto_hidden_at is None:
        reports = list(case.reports.select_related("reporter"))
        if _should_hide(case, reports):
            category = _category(reports)
            discussion_services.post_set_hidden(post_id=post.pk, reason=category, now=now)
            case.auto_hidden_at, case.hidden_reason, case.state = now, category, Case.State.HIDDEN
            case.save(update_fields=["auto_hidden_at", "hidden_reason", "state"])
            case.post = Post.objects.select_related("topic__section").get(pk=post.pk)
            _audit(
                AuditEntry.Action.AUTO_HIDE,
                case=case,
                subject=author,
                detail=f"報告 {len(reports)} 件で自動的に非表示（{Reason(category).label}）",
                now=now,
            )
            notices.notify_author_hidden(case)
            hidden_now = True
    return ReportResult(report, case, created=True, hidden_now=hidden_now)


# --- Decisions ------------------------------------------------------------------------------


def _lock_case(case_id: int) -> Case:
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("post__topic__section", "author", "profile")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise ModerationError("審査案件が見つかりません。", "not_found")
    return case


@transaction.atomic
def case_decide(
    *,
    case_id: int,
    actor,
    decision: str,
    note: str,
    redacted_body: str = "",
    now: datetime | None = None,
) -> Case:
    """問題なし (restores a hidden post), 非表示, 削除, or for staff 編集して一部を伏せる
    (the original body is kept for staff only). Staff decide every case; a head or deputy
    the cases of their sections' posts. Who, when and why are recorded; the author is told
    with the reason (unless a post that was never hidden is found fine), and every reporter
    hears the outcome."""
    now = now or timezone.now()
    case = _lock_case(case_id)
    if not selectors.may_view_case(user=actor, case=case):
        raise ModerationError("審査案件が見つかりません。", "not_found")
    if not selectors.may_decide_case(user=actor, case=case):
        raise ModerationError("この案件を判断する権限がありません。", "forbidden")
    if case.decided_at is not None:
        raise ModerationError("この案件はすでに判断されています。")
    if decision not in Case.Decision.values:
        raise ModerationError("判断を選んでください。")
    note = (note or "").strip()
    if not note:
        raise ModerationError("判断の理由を書いてください（投稿者に伝えます）。")
    if len(note) > TEXT_MAX:
        raise ModerationError(f"判断の理由は{TEXT_MAX:,}文字以内にしてください。")
    reports = list(case.reports.select_related("reporter"))
    was_hidden = case.auto_hidden_at is not None
    if not case.hidden_reason:
        case.hidden_reason = _category(reports) if reports else Reason.OTHER
    if case.kind == Case.Kind.PROFILE:
        if decision in (Case.Decision.HIDE, Case.Decision.REDACT):
            raise ModerationError(
                "プロフィールは「問題なし」か「削除」（自己紹介を消す）で判断してください。"
            )
        if decision == Case.Decision.DELETE and case.profile_id is not None:
            account_services.profile_introduction_clear(user_id=case.profile_id, actor=actor)
    else:
        post_id, post = case.post_id, case.post
        if post_id is None or post is None:
            raise ModerationError("審査案件の投稿が見つかりません。", "not_found")
        if decision == Case.Decision.DISMISS:
            discussion_services.post_set_visible(post_id=post_id, actor=actor)
        elif decision == Case.Decision.HIDE:
            discussion_services.post_set_hidden(
                post_id=post_id, reason=case.hidden_reason, actor=actor, now=now
            )
        elif decision == Case.Decision.DELETE:
            discussion_services.post_remove(post_id=post_id, actor=actor, now=now)
        elif decision == Case.Decision.REDACT:
            if not selectors.may_decide_as_staff(actor):
                raise ModerationError("一部を伏せる編集は事務局だけができます。", "forbidden")
            body = (redacted_body or "").strip()
            if not body or body == post.body.strip():
                raise ModerationError("伏せた後の本文を入力してください（元の本文と同じです）。")
            case.original_body = post.body
            discussion_services.post_redact(post_id=post_id, actor=actor, body=body, now=now)
            discussion_services.post_set_visible(post_id=post_id, actor=actor)
        case.post = Post.objects.select_related("topic__section").get(pk=post_id)
    case.decision, case.decision_note = decision, note
    case.decided_by, case.decided_at, case.state = actor, now, Case.State.DECIDED
    case.save()
    _audit(
        AuditEntry.Action.DECIDE,
        actor=actor,
        case=case,
        subject=case.author,
        detail=f"判断：{case.get_decision_display()}（報告 {len(reports)} 件）",
        now=now,
    )
    if decision != Case.Decision.DISMISS or was_hidden:
        notices.notify_author_decision(case)
    told = notices.notify_reporters_outcome(case, [r for r in reports if r.outcome_sent_at is None])
    Report.objects.filter(pk__in=[r.pk for r in told]).update(outcome_sent_at=now)
    return case


# --- Day 7: reporters hear that it is still under review ----------------------------------


def reports_pending_notify(*, now: datetime | None = None, limit: int = 500) -> int:
    """Each report still undecided 7 days after it was made: the reporter is told that
    it is still under review, once (the row is marked, and the mail has a dedupe key)."""
    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        due = list(
            Report.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                case__decided_at__isnull=True,
                created_at__lte=now - selectors.PENDING_NOTICE_AFTER,
                pending_sent_at__isnull=True,
                outcome_sent_at__isnull=True,
            )
            .select_related("case", "reporter")
            .order_by("created_at")[:limit]
        )
        for report in due:
            notices.notify_reporter_pending(report)
            report.pending_sent_at = now
            report.save(update_fields=["pending_sent_at"])
            _audit(
                AuditEntry.Action.NOTIFY,
                case=report.case,
                subject=report.reporter,
                detail="報告者に「審査中」と連絡（7日経過）",
                now=now,
            )
            sent += 1
    return sent


# --- Penalties ------------------------------------------------------------------------------


@transaction.atomic
def penalty_create(
    *,
    actor,
    user_id: int,
    kind: str,
    reason: str,
    ends_at: datetime | None = None,
    case_id: int | None = None,
    now: datetime | None = None,
) -> Penalty:
    """Staff give 投稿停止 (until `ends_at`, required) or 利用停止 (the accounts
    suspension, until `ends_at` or until staff reinstate). The member is told why and
    until when; the end lifts it automatically (`penalties_lift_due`)."""
    now = now or timezone.now()
    if not selectors.may_penalise(actor):
        raise ModerationError("処分できるのは権限のある事務局だけです。", "forbidden")
    if kind not in Penalty.Kind.values:
        raise ModerationError("処分の種類を選んでください。")
    reason = (reason or "").strip()
    if not reason:
        raise ModerationError("処分の理由を書いてください（会員に伝えます）。")
    if len(reason) > TEXT_MAX:
        raise ModerationError(f"処分の理由は{TEXT_MAX:,}文字以内にしてください。")
    if kind == Penalty.Kind.SILENCE and ends_at is None:
        raise ModerationError("投稿停止には終了日時が必要です。")
    if ends_at is not None and ends_at <= now:
        raise ModerationError("終了日時は今より後にしてください。")
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise ModerationError("会員が見つかりません。", "not_found")
    if user.is_staff or user.pk == actor.pk:
        raise ModerationError("事務局のアカウントは処分できません。", "forbidden")
    if not user.is_member:
        raise ModerationError("入庁済みで有効な会員だけを処分できます。")
    case = None
    if case_id is not None:
        case = Case.objects.filter(pk=case_id).first()
        if case is None or case.author_id != user.pk:
            raise ModerationError("審査案件が見つかりません。", "not_found")
    if kind == Penalty.Kind.SILENCE and selectors.active_silence(user, now=now):
        raise ModerationError("この会員はすでに投稿停止中です。")
    penalty = Penalty.objects.create(
        user=user,
        kind=kind,
        reason=reason,
        case=case,
        starts_at=now,
        ends_at=ends_at,
        created_by=actor,
    )
    until = f"{format_jst(ends_at)}まで" if ends_at else "期限なし（事務局が解除するまで）"
    if kind == Penalty.Kind.SUSPENSION:
        account_services.member_suspend(
            user_id=user.pk, actor=actor, reason="conduct", message=f"{reason}\n（{until}）"
        )
    else:
        notices.notify_penalty_started(penalty)
    _audit(
        AuditEntry.Action.PENALTY,
        actor=actor,
        case=case,
        penalty=penalty,
        subject=user,
        detail=f"{penalty.get_kind_display()}：{until}",
        now=now,
    )
    return penalty


def _lift(penalty: Penalty, *, actor, now: datetime, why: str) -> None:
    penalty.lifted_at, penalty.lifted_by = now, actor
    penalty.save(update_fields=["lifted_at", "lifted_by"])
    if penalty.kind == Penalty.Kind.SUSPENSION:
        user = User.objects.get(pk=penalty.user_id)
        if user.status == User.Status.SUSPENDED:
            account_services.member_reinstate(user_id=user.pk, actor=actor)
    else:
        notices.notify_penalty_lifted(penalty)
    _audit(
        AuditEntry.Action.LIFT,
        actor=actor,
        penalty=penalty,
        case=penalty.case,
        subject=penalty.user,
        detail=f"{penalty.get_kind_display()}を解除（{why}）",
        now=now,
    )


@transaction.atomic
def penalty_lift(*, penalty_id: int, actor, now: datetime | None = None) -> Penalty:
    """Staff end a penalty early."""
    now = now or timezone.now()
    if not selectors.may_penalise(actor):
        raise ModerationError("処分を解除できるのは権限のある事務局だけです。", "forbidden")
    penalty = Penalty.objects.select_for_update().filter(pk=penalty_id).first()
    if penalty is None:
        raise ModerationError("処分が見つかりません。", "not_found")
    if penalty.lifted_at is not None:
        raise ModerationError("この処分はすでに解除されています。")
    _lift(penalty, actor=actor, now=now, why="事務局が解除")
    return penalty


def penalties_lift_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """The beat: every penalty whose end has come is lifted, once (the row is marked
    under its lock; the mail has a dedupe key), and the member is told."""
    now = now or timezone.now()
    lifted = 0
    with transaction.atomic():
        due = list(
            Penalty.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(lifted_at__isnull=True, ends_at__lte=now)
            .select_related("user", "case")
            .order_by("ends_at")[:limit]
        )
        for penalty in due:
            _lift(penalty, actor=None, now=now, why="期間満了")
            lifted += 1
    return lifted


# --- 行動規範 -------------------------------------------------------------------------------


@transaction.atomic
def conduct_accept(*, user, version: int, now: datetime | None = None) -> ConductAcceptance:
    """A member accepts the 行動規範 in force (the version they read: an older page's
    form is refused, so nobody accepts what they did not see)."""
    now = now or timezone.now()
    if user is None or not user.is_authenticated or not user.is_member:
        raise ModerationError("同意できるのは会員だけです。", "forbidden")
    current = selectors.current_conduct(now=now)
    if current is None or current.version != version:
        raise ModerationError("行動規範が新しくなりました。もう一度読んでから同意してください。")
    acceptance, created = ConductAcceptance.objects.get_or_create(
        user=user, version=version, defaults={"accepted_at": now}
    )
    if created:
        _audit(
            AuditEntry.Action.ACCEPT,
            actor=user,
            subject=user,
            detail=f"行動規範 第{version}版に同意",
            now=now,
        )
    return acceptance


@transaction.atomic
def conduct_publish(*, title: str, body: str, now: datetime | None = None) -> CodeOfConduct:
    """A new version (the next number): every member is asked to accept it again before
    their next post. (Staff publish in the admin; the demo and tests call this.)"""
    last = CodeOfConduct.objects.select_for_update().order_by("-version").first()
    conduct = CodeOfConduct.objects.create(
        version=(last.version + 1) if last else 1,
        title=title,
        body=body,
        published_at=now or timezone.now(),
    )
    selectors.conduct_forget()
    transaction.on_commit(selectors.conduct_forget)
    return conduct


# --- Withdrawal (退庁) ----------------------------------------------------------------------


def personal_data_erase(*, user, emails: list[str]) -> None:
    """The member's report texts are emptied (the reports stay, so that counts and the
    once-per-member rule hold); penalty reasons and decision notes about them are
    replaced; the pre-redaction text of their posts is dropped."""
    Report.objects.filter(reporter=user).update(text="")
    Penalty.objects.filter(user=user).update(reason="（退庁により削除）")
    Case.objects.filter(author=user).update(original_body="", decision_note="（退庁により削除）")
    Case.objects.filter(profile=user).update(original_body="")
