"""Every notice moderation sends to a member, in one module.

Each one is a mail through the outbox (`outbox.services.mail_enqueue`, in the caller's
transaction) with a dedupe key, so that it goes out exactly once per member and thing
however often a service or a beat runs; decisions also land in the member's inbox through
the notifications app (`notifications.services.moderation_decision_notify`, kind
`moderation_decision`, once per recipient and case). Notices never name a reporter to the
author.
"""

from __future__ import annotations

from django.urls import reverse

from core.jst import format_jst
from notifications.services import moderation_decision_notify
from outbox.services import mail_enqueue

from .models import Case, Penalty, Report


def _send(user, *, template: str, dedupe_key: str, **context) -> bool:
    if user is None or not user.email or not user.is_active:
        return False
    if user.status == user.Status.WITHDRAWN:
        return False
    row = mail_enqueue(
        to=user.email,
        recipient=user,
        template=template,
        context={"name": user.display_name, **context},
        dedupe_key=dedupe_key,
    )
    return row is not None


def _thing(case: Case) -> dict:
    """What the notice calls the thing, and where it is (for the author only)."""
    if case.kind == Case.Kind.PROFILE:
        return {
            "thing": "プロフィール（自己紹介）",
            "title": "",
            "url": reverse("profile", args=[case.profile_id]),
        }
    post = case.post
    if post is None:  # a post case whose post is gone (cannot happen: posts are kept)
        return {"thing": case.get_kind_display(), "title": "", "url": ""}
    topic = post.topic
    return {
        "thing": case.get_kind_display(),
        "title": topic.title,
        "url": post.get_absolute_url() if topic.deleted_at is None else "",
    }


def notify_author_hidden(case: Case) -> bool:
    """The author's post was hidden automatically while staff review the reports."""
    return _send(
        case.author,
        template="moderation_hidden",
        dedupe_key=f"moderation:hidden:{case.pk}",
        reason=case.get_hidden_reason_display(),
        **_thing(case),
    )


def _inbox(case: Case, user_ids: list[int], text: str, url: str = "") -> None:
    if user_ids:
        moderation_decision_notify(decision_id=case.pk, user_ids=user_ids, text=text, url=url)


def notify_author_decision(case: Case) -> bool:
    """The decision and its reason, to the author (mail and inbox)."""
    if case.author_id:
        _inbox(
            case,
            [case.author_id],
            f"あなたの{case.get_kind_display()}について、事務局の判断：{case.get_decision_display()}",
        )
    return _send(
        case.author,
        template="moderation_decision",
        dedupe_key=f"moderation:decision:{case.pk}",
        decision=case.get_decision_display(),
        decision_code=case.decision,
        note=case.decision_note,
        category=case.get_hidden_reason_display(),
        **_thing(case),
    )


def notify_reporters_outcome(case: Case, reports: list[Report]) -> list[Report]:
    """Every reporter hears the outcome (without the author's name or the moderator's
    note). Returns the reports that were told now."""
    told = []
    for report in reports:
        if _send(
            report.reporter,
            template="moderation_outcome",
            dedupe_key=f"moderation:outcome:{report.pk}",
            thing=case.get_kind_display(),
            decision=case.get_decision_display(),
            decision_code=case.decision,
            reported_at=format_jst(report.created_at),
        ):
            told.append(report)
    _inbox(
        case,
        [report.reporter_id for report in told],
        f"ご報告いただいた{case.get_kind_display()}について判断しました："
        f"{case.get_decision_display()}",
    )
    return told


def notify_reporter_pending(report: Report) -> bool:
    """Day 7 without a decision: the reporter hears that it is still under review."""
    return _send(
        report.reporter,
        template="moderation_pending",
        dedupe_key=f"moderation:pending:{report.pk}",
        thing=report.case.get_kind_display(),
        reported_at=format_jst(report.created_at),
    )


def notify_penalty_started(penalty: Penalty) -> bool:
    """投稿停止 begins (利用停止 is told by accounts' own suspension mail)."""
    return _send(
        penalty.user,
        template="moderation_penalty",
        dedupe_key=f"moderation:penalty:{penalty.pk}:start",
        kind=penalty.get_kind_display(),
        reason=penalty.reason,
        ends_at=format_jst(penalty.ends_at) if penalty.ends_at else "",
    )


def notify_penalty_lifted(penalty: Penalty) -> bool:
    """投稿停止 ends (a lifted 利用停止 is told by accounts' reinstatement mail)."""
    return _send(
        penalty.user,
        template="moderation_penalty_lifted",
        dedupe_key=f"moderation:penalty:{penalty.pk}:lifted",
        kind=penalty.get_kind_display(),
    )
