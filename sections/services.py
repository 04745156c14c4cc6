"""Writes for sections: membership, requests, invitations, headship, meetings.

Rules that a member can break raise `SectionError` with a Japanese message and change
nothing. Membership changes lock the section row first (so the last head cannot leave in
a race); meeting registrations are the events app's business (events.services)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core import plugins
from core.errors import ServiceError
from events import services as event_services
from notifications import services as notifications
from outbox.services import mail_enqueue

from . import rules, search_docs
from .counts import keeps_member_count, recount_members
from .models import (
    Invitation,
    JoinRequest,
    Meeting,
    Section,
    SectionMembership,
    SeriesSubscription,
)
from .owner import KIND

if TYPE_CHECKING:
    from accounts.models import User

Role = SectionMembership.Role


class SectionError(ServiceError):
    """A section rule said no (membership, headship, meetings)."""


JOIN_DECIDED = "sections.join_decided"


def section_channel(section_id: int) -> str:
    """The notifications channel of a section (its members' watching level)."""
    return f"section:{section_id}"


def _lock_section(section_id: int) -> Section:
    return Section.objects.select_for_update(of=("self",)).get(pk=section_id)


def _membership(section: Section, user: User) -> SectionMembership | None:
    return SectionMembership.objects.filter(section=section, user=user).first()


def _require_manager(section: Section, actor: User) -> SectionMembership | None:
    """Heads and deputies manage a section; staff may too."""
    membership = _membership(section, actor)
    if rules.is_manager(user=actor, membership=membership):
        return membership
    raise SectionError("この操作は課長・課長補佐だけができます。", "forbidden")


def _require_open(section: Section) -> None:
    if section.status == Section.Status.CLOSED:
        raise SectionError("この課は廃止されています。", "closed")


def _section_url(section: Section) -> str:
    return settings.SITE_URL + section.get_absolute_url()


def _heads(section: Section):
    return SectionMembership.objects.filter(
        section=section, role__in=rules.MANAGER_ROLES
    ).select_related("user")


def _withdraw_from_section_meetings(section: Section, user: User) -> None:
    """Leaving (or being removed) gives back seats at upcoming section-only meetings, so
    the waitlist moves, and ends the member's joins of the section's series (シリーズに参加).
    Lock order: section (held by the caller), event, registration."""
    from events.models import Registration

    SeriesSubscription.objects.filter(series__section=section, user=user).delete()
    now = timezone.now()
    event_ids = Registration.objects.filter(
        user=user,
        status__in=(Registration.Status.GOING, Registration.Status.WAITLISTED),
        event__section_meeting__section=section,
        event__section_meeting__audience=Meeting.Audience.SECTION,
        event__starts_at__gt=now,
    ).values_list("event_id", flat=True)
    for event_id in list(event_ids):
        event_services.registration_cancel(event_id=event_id, user=user, now=now)


# --- Joining and leaving ------------------------------------------------------------------


def _require_writer(user: User) -> None:
    """投稿停止 or 年度更新の要確認 (plugins.write_refusal) also stops joining a section."""
    refusal = plugins.write_refusal(user)
    if refusal:
        raise SectionError(refusal, "refused")


@transaction.atomic
@keeps_member_count
def section_join(*, section_id: int, user: User) -> SectionMembership:
    """Join an open section at once (idempotent), or accept a pending invitation."""
    section = _lock_section(section_id)
    _require_open(section)
    _require_writer(user)
    existing = _membership(section, user)
    if existing is not None:
        return existing
    invitation = (
        Invitation.objects.select_for_update()
        .filter(section=section, user=user, status=Invitation.Status.PENDING)
        .first()
    )
    if section.join_policy == Section.JoinPolicy.APPROVAL and invitation is None:
        raise SectionError("この課は承認制です。参加申請を送ってください。", "approval")
    if section.join_policy == Section.JoinPolicy.INVITE and invitation is None:
        raise SectionError("この課は招待制です。課長からの招待をお待ちください。", "invite")
    if invitation is not None:
        invitation.status = Invitation.Status.ACCEPTED
        invitation.save(update_fields=["status"])
    membership = SectionMembership.objects.create(section=section, user=user, role=Role.MEMBER)
    notifications.watch_joined(user=user, channel=section_channel(section.pk))
    return membership


@transaction.atomic
@keeps_member_count
def section_leave(*, section_id: int, user: User) -> None:
    section = _lock_section(section_id)
    membership = _membership(section, user)
    if membership is None:
        return
    if rules.is_last_head(membership):
        raise SectionError(
            "課長はほかのメンバーに課長を交代してから退出してください。", "last_head"
        )
    membership.delete()
    _withdraw_from_section_meetings(section, user)
    notifications.watch_left(user=user, channel=section_channel(section.pk))


@transaction.atomic
def join_request_create(*, section_id: int, user: User, message: str = "") -> JoinRequest:
    """Ask to join an approval section. A second click returns the pending request."""
    section = _lock_section(section_id)
    _require_open(section)
    _require_writer(user)
    if _membership(section, user) is not None:
        raise SectionError("すでにこの課のメンバーです。", "member")
    if section.join_policy != Section.JoinPolicy.APPROVAL:
        raise SectionError("この課には参加申請はできません。", "policy")
    pending = JoinRequest.objects.filter(
        section=section, user=user, status=JoinRequest.Status.PENDING
    ).first()
    if pending is not None:
        return pending
    request = JoinRequest.objects.create(section=section, user=user, message=message.strip())
    for head in _heads(section):
        mail_enqueue(
            to=head.user.email,
            template="sections_join_request",
            context={
                "section_name": section.name,
                "applicant_name": user.display_name,
                "message": request.message,
                "url": _section_url(section) + "#requests",
            },
            recipient=head.user,
            dedupe_key=f"sections:join_request:{request.pk}:{head.user_id}",
        )
    return request


@transaction.atomic
def join_request_withdraw(*, section_id: int, user: User) -> None:
    JoinRequest.objects.filter(
        section_id=section_id, user=user, status=JoinRequest.Status.PENDING
    ).update(status=JoinRequest.Status.WITHDRAWN, decided_at=timezone.now())


@transaction.atomic
@keeps_member_count(section_of=lambda request, **_: request.section_id)
def join_request_decide(
    *, request_id: int, actor: User, accept: bool, message: str = ""
) -> JoinRequest:
    """A head or deputy accepts or declines, optionally with a message; the requester is
    told by mail. Deciding twice changes nothing."""
    request = JoinRequest.objects.select_related("section").get(pk=request_id)
    section = _lock_section(request.section_id)
    _require_manager(section, actor)
    request = JoinRequest.objects.select_for_update().select_related("user").get(pk=request_id)
    if request.status != JoinRequest.Status.PENDING:
        return request
    if accept and not request.user.is_member:
        raise SectionError("この方は現在メンバーではないため、承認できません。", "not_member")
    request.status = JoinRequest.Status.ACCEPTED if accept else JoinRequest.Status.DECLINED
    request.response_message = message.strip()
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.save()
    if accept:
        SectionMembership.objects.get_or_create(
            section=section, user=request.user, defaults={"role": Role.MEMBER}
        )
        notifications.watch_joined(user=request.user, channel=section_channel(section.pk))
    notifications.notify(
        kind=JOIN_DECIDED,
        object_id=request.pk,
        recipients=[request.user.pk],
        actor=actor,
        text=f"「{section.name}」への参加が{'承認' if accept else '見送られ'}ました。"[:200],
        url=reverse("sections:detail", args=[section.slug]),
    )
    mail_enqueue(
        to=request.user.email,
        template="sections_join_decided",
        context={
            "name": request.user.display_name,
            "section_name": section.name,
            "accepted": accept,
            "message": request.response_message,
            "url": _section_url(section),
        },
        recipient=request.user,
        dedupe_key=f"sections:join_decided:{request.pk}",
    )
    return request


@transaction.atomic
def invitation_create(*, section_id: int, actor: User, user: User) -> Invitation:
    section = _lock_section(section_id)
    _require_open(section)
    _require_manager(section, actor)
    if not user.is_member:
        raise SectionError("招待できるのはメンバーだけです。", "not_member")
    if _membership(section, user) is not None:
        raise SectionError("すでにこの課のメンバーです。", "member")
    invitation, created = Invitation.objects.get_or_create(
        section=section,
        user=user,
        status=Invitation.Status.PENDING,
        defaults={"invited_by": actor},
    )
    if created:
        mail_enqueue(
            to=user.email,
            template="sections_invitation",
            context={
                "name": user.display_name,
                "section_name": section.name,
                "inviter": actor.display_name,
                "url": _section_url(section),
            },
            recipient=user,
            dedupe_key=f"sections:invitation:{invitation.pk}",
        )
    return invitation


# --- Heads --------------------------------------------------------------------------------


@transaction.atomic
@keeps_member_count
def member_remove(*, section_id: int, actor: User, user_id: int) -> None:
    section = _lock_section(section_id)
    actor_membership = _require_manager(section, actor)
    target = SectionMembership.objects.filter(section=section, user_id=user_id).first()
    if target is None:
        return
    if target.user_id == actor.pk:
        raise SectionError("自分を外すときは「退出する」を使ってください。", "self")
    actor_is_head = rules.is_head(user=actor, membership=actor_membership)
    if target.role == Role.HEAD or (target.role == Role.DEPUTY and not actor_is_head):
        raise SectionError("課長・課長補佐を外せるのは課長だけです（課長は交代で変更します）。")
    target.delete()
    _withdraw_from_section_meetings(section, target.user)
    notifications.watch_left(user=target.user, channel=section_channel(section.pk))


@transaction.atomic
def member_set_role(*, section_id: int, actor: User, user_id: int, role: str) -> SectionMembership:
    """Heads appoint deputies (or return them to members); staff may set any role."""
    section = _lock_section(section_id)
    actor_membership = _require_manager(section, actor)
    if role not in Role.values:
        raise SectionError("役割が正しくありません。")
    if not rules.is_head(user=actor, membership=actor_membership):
        raise SectionError("役割を変えられるのは課長だけです。", "forbidden")
    target = (
        SectionMembership.objects.select_for_update()
        .filter(section=section, user_id=user_id)
        .first()
    )
    if target is None:
        raise SectionError("その人はこの課のメンバーではありません。", "not_member")
    if role != Role.HEAD and rules.is_last_head(target):
        raise SectionError("課長がいなくなるため変更できません。先に課長を交代してください。")
    target.role = role
    target.save(update_fields=["role"])
    return target


@transaction.atomic
def headship_hand_over(*, section_id: int, actor: User, to_user_id: int) -> SectionMembership:
    """課長交代: the new head must already be a member; the old head becomes a member."""
    section = _lock_section(section_id)
    current = _membership(section, actor)
    if not rules.is_head(user=actor, membership=current):
        raise SectionError("課長交代は課長だけができます。", "forbidden")
    target = (
        SectionMembership.objects.select_for_update()
        .filter(section=section, user_id=to_user_id)
        .first()
    )
    if target is None:
        raise SectionError("交代先はこの課のメンバーから選んでください。", "not_member")
    if current is not None and target.pk == current.pk:
        raise SectionError("すでに課長です。")
    target.role = Role.HEAD
    target.save(update_fields=["role"])
    if current is not None and current.role == Role.HEAD:
        current.role = Role.MEMBER
        current.save(update_fields=["role"])
    return target


# --- Meetings -----------------------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *, section_id: int, actor: User, audience: str = Meeting.Audience.SECTION, **fields: Any
) -> Meeting:
    section = _lock_section(section_id)
    _require_open(section)
    _require_manager(section, actor)
    event = event_services.event_create(kind=KIND, **fields)
    meeting = Meeting.objects.create(
        section=section, event=event, audience=audience, created_by=actor
    )
    search_docs.index_meetings([meeting.pk])  # search
    return meeting


def _require_future_if_series(meeting: Meeting, now: datetime) -> None:
    """A meeting of a series changes only before it starts (past meetings never change)."""
    if meeting.series_id is not None and meeting.event.starts_at <= now:
        raise SectionError("開始した回・終わった回は変更できません。", "past")


@transaction.atomic
def meeting_update(
    *,
    meeting_id: int,
    actor: User,
    audience: str | None = None,
    now: datetime | None = None,
    **fields: Any,
) -> Meeting:
    """Change one meeting. For a meeting of a series this is 「この回だけ」: the meeting
    is marked as having its own changes, so 「すべての回」 edits leave it as it is."""
    now = now or timezone.now()
    meeting = Meeting.objects.select_related("section", "event").get(pk=meeting_id)
    _require_manager(meeting.section, actor)
    _require_future_if_series(meeting, now)
    before = {name: getattr(meeting.event, name) for name in fields}
    event = event_services.event_update(event_id=meeting.event_id, now=now, **fields)
    update = []
    if audience is not None and audience != meeting.audience:
        meeting.audience = audience
        update.append("audience")
    if meeting.series_id is not None and not meeting.has_own_changes:
        if update or any(getattr(event, name) != value for name, value in before.items()):
            meeting.has_own_changes = True
            update.append("has_own_changes")
    if update:
        meeting.save(update_fields=update)
    meeting.event.refresh_from_db()
    search_docs.index_meetings([meeting.pk])  # search
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting_id: int, actor: User, now: datetime | None = None) -> Meeting:
    """Cancel one meeting (for a meeting of a series: 「この回だけ」 中止)."""
    now = now or timezone.now()
    meeting = Meeting.objects.select_related("section", "event").get(pk=meeting_id)
    _require_manager(meeting.section, actor)
    _require_future_if_series(meeting, now)
    event_services.event_cancel(event_id=meeting.event_id)
    search_docs.index_meetings([meeting.pk])  # search
    return meeting


# --- Withdrawal ---------------------------------------------------------------------------


def personal_data_erase(*, user: User, emails: list[str]) -> None:
    """退庁: memberships end (the member disappears from every member list; a section
    left without a 課長 is for staff to fill), pending join requests are withdrawn and
    invitations declined, and every message they wrote or received is cleared."""
    now = timezone.now()
    # Their sections' rows first (the lock order of every membership change), so their
    # member counts are recounted without racing a join.
    left = list(
        Section.objects.select_for_update(of=("self",))
        .filter(memberships__user=user)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    SectionMembership.objects.filter(user=user).delete()
    recount_members(left)
    SeriesSubscription.objects.filter(user=user).delete()
    JoinRequest.objects.filter(user=user, status=JoinRequest.Status.PENDING).update(
        status=JoinRequest.Status.WITHDRAWN, decided_at=now
    )
    JoinRequest.objects.filter(user=user).update(message="", response_message="")
    Invitation.objects.filter(user=user, status=Invitation.Status.PENDING).update(
        status=Invitation.Status.DECLINED
    )
