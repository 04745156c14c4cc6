"""Writes of the registration mechanism. Lock order everywhere: event row, then registrations.

Every function is keyword-only and owns its transaction. Errors a member can cause raise
`RegistrationError` with a Japanese message and change nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, CharField, DateTimeField, Exists, F, Max, OuterRef, Value, When
from django.db.models.functions import Cast, Coalesce, Concat
from django.urls import reverse
from django.utils import timezone

from core import plugins
from core.errors import ServiceError
from core.jst import format_jst, format_jst_range
from notifications import services as notifications
from outbox.services import mail_enqueue

from .ics import event_ics
from .models import CalendarFeed, Event, Registration
from .registry import owner_for

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)
S = Registration.Status


class RegistrationError(ServiceError):
    """A registration rule said no. `message` is shown to the member; nothing changed."""


@dataclass
class RsvpResult:
    registration: Registration
    outcome: str  # "going", "waitlisted", "not_going", "cancelled" or "unchanged"


# --- helpers ------------------------------------------------------------------------------


PROMOTED = "events.promoted"


def _lock_event(event_id: int) -> Event:
    return Event.objects.select_for_update(of=("self",)).get(pk=event_id)


def _lock_registration(event: Event, user: User) -> Registration | None:
    return (
        Registration.objects.select_for_update(of=("self",)).filter(event=event, user=user).first()
    )


def personal_link(registration: Registration) -> str:
    return settings.SITE_URL + reverse("events:go", args=[registration.token])


def _mail_context(event: Event, registration: Registration | None = None) -> dict[str, Any]:
    owner = owner_for(event)
    url = owner.url(event)
    context: dict[str, Any] = {
        "event_title": event.title,
        "event_when": format_jst_range(event.starts_at, event.ends_at),
        "event_format": event.get_format_display(),
        "event_place": event.place if event.format == Event.Format.PLACE else "",
        "event_online": event.format == Event.Format.ONLINE,
        "event_url": settings.SITE_URL + url if url else settings.SITE_URL,
        "join_opens_minutes": settings.EVENTS_JOIN_LINK_OPENS_MINUTES,
        # Municipal mail gateways may strip the attached .ics: every such mail links it.
        "ics_url": settings.SITE_URL + reverse("events:ics", args=[event.pk]),
        **owner.context(event),
    }
    if registration is not None:
        context["name"] = registration.user.display_name
        context["personal_link"] = personal_link(registration)
        context["is_going"] = registration.status == S.GOING
    return context


def _ics_attachment(event: Event) -> list[dict[str, str]]:
    return [
        {
            "filename": "event.ics",
            "content": event_ics(event).decode(),
            "mimetype": "text/calendar",
        }
    ]


def _notify(registration: Registration, *, template: str, key: str, ics: bool = False) -> None:
    event = registration.event
    mail_enqueue(
        to=registration.user.email,
        template=template,
        context=_mail_context(event, registration),
        recipient=registration.user,
        dedupe_key=f"events:{template}:{registration.pk}:{key}",
        attachments=_ics_attachment(event) if ics else None,
    )


def _notify_attendees(event: Event, *, template: str, key: str) -> None:
    """Tell everyone going or waiting, once per (registration, template, key). Only
    confirmed attendees get a calendar file; waiting members get the news."""
    for registration in event.registrations.filter(
        status__in=(S.GOING, S.WAITLISTED)
    ).select_related("user"):
        registration.event = event
        _notify(registration, template=template, key=key, ics=registration.status == S.GOING)


def _next_waitlist_seq(event: Event) -> int:
    """The next place in this event's queue. Caller holds the event lock, so no one else
    draws a number at the same time and the numbers follow the order of the lock."""
    last = event.registrations.aggregate(last=Max("waitlist_seq"))["last"]
    return (last or 0) + 1


def _going_count(event: Event) -> int:
    return event.registrations.filter(status=S.GOING).count()


def _confirm(registration: Registration, now: datetime) -> None:
    registration.status = S.GOING
    registration.confirmed_at = now
    registration.waitlisted_at = None


def _promote_waitlist(event: Event, now: datetime) -> list[Registration]:
    """Fill free seats from the waitlist, first come first served. Caller holds the event
    lock. Stops at the deadline or start: after that the waitlist stays as it is."""
    if not event.rsvp_open(now):
        return []
    waiting = Registration.objects.select_for_update(of=("self",)).filter(
        event=event, status=S.WAITLISTED
    )
    waiting = waiting.select_related("user").order_by("waitlist_seq", "id")
    if event.capacity is not None:
        free = event.capacity - _going_count(event)
        if free <= 0:
            return []
        waiting = waiting[:free]
    promoted = list(waiting)
    for registration in promoted:
        _confirm(registration, now)
        registration.save(update_fields=["status", "confirmed_at", "waitlisted_at", "updated_at"])
        _notify(
            registration,
            template="events_promoted",
            key=str(int(now.timestamp() * 1000)),
            ics=True,
        )
        url = owner_for(event).url(event)
        notifications.notify(
            kind=PROMOTED,
            recipients=[registration.user_id],
            text=f"キャンセル待ちだった「{event.title}」の参加が確定しました。"[:200],
            url=url or reverse("events:calendar"),
            now=now,
        )
    return promoted


# --- RSVP ---------------------------------------------------------------------------------


@transaction.atomic
def registration_rsvp(
    *,
    event_id: int,
    user: User,
    going: bool,
    answers: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> RsvpResult:
    """Going or not going. Going takes a free seat, or a place at the end of the waitlist
    (also when seats are free but others already wait). A second identical click changes
    nothing. Giving up a seat promotes the waitlist.

    The clock is read only once the event lock is held (a time read before waiting for
    the lock would put a member behind someone who got the lock later); the queue order
    itself is `waitlist_seq`, drawn under the lock."""
    event = _lock_event(event_id)
    now = now or timezone.now()
    owner = owner_for(event)
    if not owner.can_view(event, user):
        raise RegistrationError("この会は見つかりません。", "not_visible")
    if event.is_cancelled:
        raise RegistrationError("この会は中止になりました。", "cancelled")
    registration = _lock_registration(event, user)

    if going:
        if registration is not None and registration.status in (S.GOING, S.WAITLISTED):
            return RsvpResult(registration, "unchanged")
        refusal = plugins.write_refusal(user)  # 投稿停止, 年度更新の要確認, ...
        if refusal:
            raise RegistrationError(refusal, "refused")
        if not event.rsvp_open(now):
            raise RegistrationError(
                f"申込は締め切りました（締切: {format_jst(event.closes_at)}）。", "closed"
            )
        reason = owner.check_eligible(event, user)
        if reason:
            raise RegistrationError(reason, "ineligible")
        seat_free = event.capacity is None or _going_count(event) < event.capacity
        queue_empty = not event.registrations.filter(status=S.WAITLISTED).exists()
        if registration is None:
            registration = Registration(event=event, user=user)
        if seat_free and queue_empty:
            _confirm(registration, now)
        else:
            registration.status = S.WAITLISTED
            registration.waitlisted_at = now
            registration.waitlist_seq = _next_waitlist_seq(event)
            registration.confirmed_at = None
        if answers is not None:
            registration.answers = answers
        try:
            with transaction.atomic():
                registration.save()
        except IntegrityError as exc:  # the unique constraint: only reachable without the lock
            raise RegistrationError("すでに申し込んでいます。", "duplicate") from exc
        if registration.status == S.GOING and owner.confirm_by_mail:
            _notify(
                registration,
                template="events_confirmed",
                key=str(int(now.timestamp() * 1000)),
                ics=True,
            )
        return RsvpResult(registration, registration.status)

    # Not going.
    if registration is not None and registration.status == S.NOT_GOING:
        return RsvpResult(registration, "unchanged")
    if now >= event.starts_at:
        raise RegistrationError("開始後は出欠を変更できません。", "started")
    if registration is None:
        if not event.rsvp_open(now):
            raise RegistrationError(
                f"申込は締め切りました（締切: {format_jst(event.closes_at)}）。", "closed"
            )
        reason = owner.check_eligible(event, user)
        if reason:
            raise RegistrationError(reason, "ineligible")
        registration = Registration(event=event, user=user)
    was_going = registration.status == S.GOING
    registration.status = S.NOT_GOING
    registration.confirmed_at = None
    registration.waitlisted_at = None
    registration.save()
    if was_going:
        _promote_waitlist(event, now)
    return RsvpResult(registration, S.NOT_GOING)


@transaction.atomic
def registration_cancel(*, event_id: int, user: User, now: datetime | None = None) -> RsvpResult:
    """Withdraw an application (seat or waitlist place) until the start. Promotes the
    waitlist if a seat was freed before the deadline."""
    event = _lock_event(event_id)
    now = now or timezone.now()
    registration = _lock_registration(event, user)
    if registration is None:
        raise RegistrationError("この会への申込はありません。", "missing")
    if registration.status == S.CANCELLED:
        return RsvpResult(registration, "unchanged")
    if now >= event.starts_at and not event.is_cancelled:
        raise RegistrationError("開始後は取り消せません。", "started")
    was_going = registration.status == S.GOING
    registration.status = S.CANCELLED
    registration.confirmed_at = None
    registration.waitlisted_at = None
    registration.save()
    if was_going and not event.is_cancelled:
        _promote_waitlist(event, now)
    return RsvpResult(registration, S.CANCELLED)


@transaction.atomic
def registration_set_attended(*, registration_id: int, attended: bool | None) -> Registration:
    registration = Registration.objects.select_for_update(of=("self",)).get(pk=registration_id)
    registration.attended = attended
    registration.save(update_fields=["attended", "updated_at"])
    return registration


# --- The personal join link ---------------------------------------------------------------


@dataclass
class JoinLink:
    registration: Registration
    state: str  # "open", "too_early", "ended", "not_confirmed", "cancelled", "no_url"
    url: str = ""


def registration_open_join_link(*, token: str, user: User, now: datetime | None = None) -> JoinLink:
    """Resolve a personal link for its owner. Raises Registration.DoesNotExist for anyone
    else (the view answers 404). Records the first click while the link is open."""
    now = now or timezone.now()
    registration = Registration.objects.select_related("event").get(token=token, user=user)
    event = registration.event
    if not owner_for(event).can_view(event, user):
        # No longer allowed to see the event (suspended, left, …): 404, and no click.
        raise Registration.DoesNotExist
    if event.is_cancelled:
        return JoinLink(registration, "cancelled")
    if registration.status != S.GOING:
        return JoinLink(registration, "not_confirmed")
    if now < event.join_link_opens_at:
        return JoinLink(registration, "too_early")
    if now >= event.ends_at:
        return JoinLink(registration, "ended")
    if event.format != Event.Format.ONLINE or not event.join_url:
        return JoinLink(registration, "no_url")
    if registration.first_clicked_at is None:
        Registration.objects.filter(pk=registration.pk, first_clicked_at__isnull=True).update(
            first_clicked_at=now
        )
        registration.first_clicked_at = now
    return JoinLink(registration, "open", event.join_url)


# --- Events -------------------------------------------------------------------------------

EDITABLE = {
    "title",
    "description",
    "starts_at",
    "ends_at",
    "format",
    "join_url",
    "place",
    "capacity",
    "rsvp_deadline",
    "reminder_offsets",
}
# Fields that a calendar shows: a change bumps SEQUENCE.
CALENDAR_FIELDS = {"title", "description", "starts_at", "ends_at", "format", "place"}
# Fields that attendees must hear about.
NOTIFY_FIELDS = {"starts_at", "ends_at", "format", "place"}


DATETIME_FIELDS = {"starts_at", "ends_at", "rsvp_deadline"}


def _whole_seconds(fields: dict[str, Any]) -> dict[str, Any]:
    """Times are kept to the second: forms (and the admin) show no microseconds, so an
    untouched time must compare equal and not count as a reschedule."""
    return {
        name: value.replace(microsecond=0)
        if name in DATETIME_FIELDS and value is not None
        else value
        for name, value in fields.items()
    }


def _validate(event: Event) -> None:
    if event.ends_at <= event.starts_at:
        raise RegistrationError("終了日時は開始日時より後にしてください。", "times")
    if event.capacity is not None and event.capacity < 1:
        raise RegistrationError("定員は1以上にしてください。", "capacity")
    if event.format == Event.Format.PLACE and not event.place.strip():
        raise RegistrationError("会場で開く会には会場を入力してください。", "place")


@transaction.atomic
def event_create(*, kind: str, **fields: Any) -> Event:
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"unknown event fields: {sorted(unknown)}")
    event = Event(kind=kind, **_whole_seconds(fields))
    _validate(event)
    event.save()
    return event


@transaction.atomic
def event_update(
    *, event_id: int, now: datetime | None = None, notify: bool = True, **changes: Any
) -> Event:
    """Change an event. Calendar-visible changes bump SEQUENCE; a new time, format or
    place notifies everyone going or waiting (with an updated .ics). Reminders follow the
    new start by themselves (their offsets are computed from the current start). A new
    join URL is served by the personal links at once: nothing is re-sent.

    `notify=False`: the caller tells the attendees itself, in the same transaction (a
    meeting series changing many meetings sends one mail per person, not one per meeting)."""
    now = now or timezone.now()
    unknown = set(changes) - EDITABLE
    if unknown:
        raise TypeError(f"unknown event fields: {sorted(unknown)}")
    event = _lock_event(event_id)
    if event.is_cancelled:
        raise RegistrationError("中止した会は変更できません。", "cancelled")
    changes = _whole_seconds(changes)
    current = _whole_seconds({name: getattr(event, name) for name in changes})
    changed = {name for name, value in changes.items() if current[name] != value}
    if not changed:
        return event
    for name in changed:
        setattr(event, name, changes[name])
    _validate(event)
    if changed & CALENDAR_FIELDS:
        event.sequence += 1
    event.save()
    if notify and changed & NOTIFY_FIELDS:
        _notify_attendees(event, template="events_changed", key=str(event.sequence))
    if changed & {"capacity", "rsvp_deadline", "starts_at"}:
        _promote_waitlist(event, now)
    return event


@transaction.atomic
def event_cancel(*, event_id: int, notify: bool = True) -> Event:
    """Cancel: everyone going or waiting is told once; no reminder goes out afterwards.
    `notify=False`: the caller tells them itself (as for `event_update`)."""
    event = _lock_event(event_id)
    if event.is_cancelled:
        return event
    event.status = Event.Status.CANCELLED
    event.sequence += 1
    event.save(update_fields=["status", "sequence", "updated_at"])
    if notify:
        _notify_attendees(event, template="events_cancelled", key="cancelled")
    return event


# --- Reminders ----------------------------------------------------------------------------


def _event_due(event: Event, now: datetime) -> tuple[int, datetime] | None:
    """The event's reminder that is due now, if any: the offset whose moment is the latest
    one that has passed, with that moment. A registration gets it when it was confirmed
    (or made) no later than the moment; nobody gets an earlier, larger offset then — when
    beat was down, only the nearest reminder goes."""
    passed = [
        (int(m), event.starts_at - timedelta(minutes=int(m)))
        for m in (event.reminder_offsets or [])
        if event.starts_at - timedelta(minutes=int(m)) <= now
    ]
    return min(passed) if passed else None


def reminder_key(registration_id: int, minutes: int, starts_at: datetime) -> str:
    return f"events:reminder:{registration_id}:{minutes}:{int(starts_at.timestamp())}"


def _event_context(event: Event) -> dict[str, Any]:
    return _mail_context(event)


@transaction.atomic
def reminders_send_due(*, now: datetime | None = None) -> int:
    """Queue every reminder that is due, set-based (issue 18): a constant number of queries
    whatever the number of registrations.

    1. the scheduled events in the horizon, and for each the offset due now (in Python);
    2. those events locked with SKIP LOCKED (an RSVP or a cancellation in progress holds
       its event: that event waits for the next beat, so a member who just cancelled gets
       no reminder);
    3. one query for the due registrations of going, active members (suspended and
       withdrawn ones get nothing) whose reminder row does not exist yet — the outbox's
       unique dedupe key is looked up in the database (NOT EXISTS), so nothing is rendered
       for a reminder already queued;
    4. one `INSERT … ON CONFLICT DO NOTHING` for the new rows.

    Exactly once per (registration, offset, start time): a second beat, a restarted worker
    or a parallel scan writes nothing. A moved event has a new start, hence new keys."""
    from outbox.models import OutgoingMail
    from outbox.services import mails_enqueue_bulk

    now = now or timezone.now()
    horizon = now + timedelta(minutes=settings.EVENTS_REMINDER_HORIZON_MINUTES)
    candidates = Event.objects.filter(
        status=Event.Status.SCHEDULED, starts_at__gt=now, starts_at__lte=horizon
    ).only("pk", "starts_at", "reminder_offsets")
    found = {event.pk: _event_due(event, now) for event in candidates}
    due = {pk: value for pk, value in found.items() if value is not None}
    if not due:
        return 0
    events = {
        event.pk: event
        for event in Event.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            pk__in=list(due), status=Event.Status.SCHEDULED, starts_at__gt=now
        )
    }
    if not events:
        return 0
    moment = Case(
        *[When(event_id=pk, then=Value(due[pk][1])) for pk in events],
        output_field=DateTimeField(),
    )
    suffix = Case(
        *[
            When(event_id=pk, then=Value(f":{due[pk][0]}:{int(e.starts_at.timestamp())}"))
            for pk, e in events.items()
        ],
        output_field=CharField(),
    )
    registrations = (
        Registration.objects.filter(
            event_id__in=list(events),
            status=S.GOING,
            user__status="approved",
            user__is_active=True,
        )
        .annotate(since=Coalesce("confirmed_at", "created_at"), due_moment=moment)
        .filter(since__lte=F("due_moment"))
        .annotate(
            key=Concat(
                Value("events:reminder:"),
                Cast("pk", output_field=CharField()),
                suffix,
                output_field=CharField(),
            )
        )
        .exclude(Exists(OutgoingMail.objects.filter(dedupe_key=OuterRef("key"))))
        .select_related("user")
        .only("pk", "token", "status", "event_id", "user__email", "user__full_name", "user__status")
        .order_by("event_id", "pk")
    )
    contexts: dict[int, dict[str, Any]] = {}
    # The personal link is the same URL with each registration's token: resolve it once.
    marker = "TOKEN-MARKER"
    link = personal_link(Registration(token=marker))
    mails = []
    for registration in registrations:
        event = events[registration.event_id]
        if event.pk not in contexts:
            contexts[event.pk] = {
                **_event_context(event),
                "offset_label": offset_label(due[event.pk][0]),
                "is_going": True,
            }
        user = registration.user
        mails.append(
            {
                "to": user.email,
                "template": "events_reminder",
                "context": {
                    **contexts[event.pk],
                    "name": user.display_name,
                    "personal_link": link.replace(marker, registration.token),
                },
                "recipient": user.pk,
                "dedupe_key": registration.key,
            }
        )
    return mails_enqueue_bulk(mails=mails)


def offset_label(minutes: int) -> str:
    if minutes % 1440 == 0:
        return f"{minutes // 1440}日前"
    if minutes % 60 == 0:
        return f"{minutes // 60}時間前"
    return f"{minutes}分前"


# --- Calendar feed ------------------------------------------------------------------------


def calendar_feed_get_or_create(*, user: User) -> CalendarFeed:
    feed, _ = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def calendar_feed_regenerate(*, user: User) -> CalendarFeed:
    """A new secret: the old feed URL stops working at once."""
    from .models import new_token

    feed, created = CalendarFeed.objects.select_for_update().get_or_create(user=user)
    if not created:
        feed.token = new_token()
        feed.created_at = timezone.now()
        feed.save(update_fields=["token", "created_at"])
    return feed


# --- Withdrawal ---------------------------------------------------------------------------


def registrations_release_for_user(
    *, user: User, reason: str = "", now: datetime | None = None
) -> int:
    """The member lost access (利用停止, 退庁, …): cancel every registration of theirs for an
    event that has not started (each through registration_cancel, so freed seats promote
    the waitlist, and no reminder goes out). Returns how many were cancelled."""
    now = now or timezone.now()
    event_ids = list(
        Registration.objects.filter(
            user=user,
            status__in=(S.GOING, S.WAITLISTED, S.NOT_GOING),
            event__starts_at__gt=now,
        ).values_list("event_id", flat=True)
    )
    for event_id in event_ids:
        registration_cancel(event_id=event_id, user=user, now=now)
    return len(event_ids)


def personal_data_erase(*, user: User, emails: list[str]) -> None:
    """退庁: answers to 事前質問 are cleared on every registration (the registrations
    themselves stay, cancelled where the event is still ahead, for the attendance
    record), and the private calendar feed is deleted (its URL stops working)."""
    Registration.objects.filter(user=user).exclude(answers={}).update(answers={})
    CalendarFeed.objects.filter(user=user).delete()
