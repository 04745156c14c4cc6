"""Reads of the registration mechanism, and who may see what."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from .models import CalendarFeed, Event, Registration
from .registry import all_related, owner_for

if TYPE_CHECKING:
    from accounts.models import User

S = Registration.Status


def event_get_visible(*, event_id: int, user: User) -> Event:
    """The event if this member may see it; 404 otherwise (also for a tampered id)."""
    event = Event.objects.filter(pk=event_id).first()
    if event is None or not owner_for(event).can_view(event, user):
        raise Http404("イベントが見つかりません。")
    return event


def registration_of(*, event: Event, user: User) -> Registration | None:
    if not user.is_authenticated:
        return None
    return Registration.objects.filter(event=event, user=user).first()


def waitlist_position(registration: Registration) -> int | None:
    """1 for the next member to be promoted. The queue is ordered by `waitlist_seq`, the
    number each member drew while holding the event lock (unique per event)."""
    if registration.status != S.WAITLISTED or registration.waitlist_seq is None:
        return None
    ahead = Registration.objects.filter(
        event_id=registration.event_id,
        status=S.WAITLISTED,
        waitlist_seq__lt=registration.waitlist_seq,
    )
    return ahead.count() + 1


def event_counts(event: Event) -> dict[str, int]:
    counts = event.registrations.aggregate(
        going=Count("pk", filter=Q(status=S.GOING)),
        waitlisted=Count("pk", filter=Q(status=S.WAITLISTED)),
    )
    return {"going": counts["going"] or 0, "waitlisted": counts["waitlisted"] or 0}


_UNSET: Any = object()


def rsvp_panel(
    *,
    event: Event,
    user: User,
    now: datetime | None = None,
    registration: Registration | None = _UNSET,
    counts: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Everything the RSVP panel shows. The join URL itself is never part of it: only the
    personal link is, and only for a confirmed attendee while the link is open. A page
    with several panels passes what `rsvp_panels` loaded for all of them at once."""
    now = now or timezone.now()
    if registration is _UNSET:
        registration = registration_of(event=event, user=user)
    if counts is None:
        counts = event_counts(event)
    going = registration is not None and registration.status == S.GOING
    ineligible = owner_for(event).check_eligible(event, user)
    until_open = (event.join_link_opens_at - now).total_seconds()
    poll_seconds = int(min(30, max(1, until_open + 1))) if 0 < until_open <= 3600 else None
    seats_left = None
    if event.capacity is not None:
        seats_left = max(event.capacity - counts["going"], 0)
    return {
        "event": event,
        "join_opens_minutes": settings.EVENTS_JOIN_LINK_OPENS_MINUTES,
        "registration": registration,
        "counts": counts,
        "seats_left": seats_left,
        "position": waitlist_position(registration) if registration else None,
        "rsvp_open": event.rsvp_open(now),
        "started": now >= event.starts_at,
        "ended": now >= event.ends_at,
        "ineligible": ineligible,
        "join_link_open": going and event.join_link_open(now),
        "join_link_soon": going and not event.is_cancelled and now < event.join_link_opens_at,
        # Poll for the link only during the last hour before it opens.
        # During the last hour before the link opens, the panel re-checks itself so the
        # link appears on time without a reload: every 30 s, or right when it opens.
        "poll": going and not event.is_cancelled and poll_seconds is not None,
        "poll_seconds": poll_seconds,
    }


def rsvp_panels(*, events: list[Event], user: User, now: datetime | None = None) -> list[dict]:
    """The panels of several events in two queries (plus one per waitlisted place)."""
    ids = [event.pk for event in events]
    mine = {}
    if user.is_authenticated:
        mine = {r.event_id: r for r in Registration.objects.filter(event_id__in=ids, user=user)}
    counts = {
        row["event_id"]: row
        for row in Registration.objects.filter(event_id__in=ids)
        .values("event_id")
        .annotate(
            going=Count("pk", filter=Q(status=S.GOING)),
            waitlisted=Count("pk", filter=Q(status=S.WAITLISTED)),
        )
    }
    return [
        rsvp_panel(
            event=event,
            user=user,
            now=now,
            registration=mine.get(event.pk),
            counts={
                "going": counts.get(event.pk, {}).get("going", 0),
                "waitlisted": counts.get(event.pk, {}).get("waitlisted", 0),
            },
        )
        for event in events
    ]


def registrations_upcoming(*, user: User, now: datetime | None = None, limit: int = 10) -> list:
    """The member's confirmed or waitlisted registrations for events not yet over, with
    what each owner needs to build its link (one query)."""
    now = now or timezone.now()
    qs: QuerySet[Registration] = (
        Registration.objects.filter(
            user=user,
            status__in=(S.GOING, S.WAITLISTED),
            event__status=Event.Status.SCHEDULED,
            event__ends_at__gt=now,
        )
        .select_related("event", *(f"event__{path}" for path in all_related()))
        .order_by("event__starts_at", "event_id")
    )
    rows = list(qs[:limit])
    for registration in rows:
        registration.owner_url = owner_for(registration.event).url(registration.event)  # type: ignore[attr-defined]  # set here for the template
        registration.join_open = (  # type: ignore[attr-defined]  # set here for the template
            registration.status == S.GOING and registration.event.join_link_open(now)
        )
    return rows


# Events that ended less than this many days ago stay in the private feed.
FEED_PAST_DAYS = 30


def feed_events(*, user: User, now: datetime | None = None) -> QuerySet[Event]:
    """Events for the private feed: confirmed, from FEED_PAST_DAYS ago on."""
    now = now or timezone.now()
    return (
        Event.objects.filter(
            registrations__user=user,
            registrations__status=S.GOING,
            status=Event.Status.SCHEDULED,
            ends_at__gte=now - timedelta(days=FEED_PAST_DAYS),
        )
        .select_related(*all_related())
        .order_by("starts_at")
    )


def feed_user(*, token: str):
    """The member who owns this feed token, or None (also for a non-member)."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_member:
        return None
    return feed.user


def going_count() -> Coalesce:
    """An event's confirmed attendees, for `.annotate(going_count=going_count())` on any
    queryset of rows with an `event_id` (meetings, trainings): a correlated COUNT on the
    registrations' (event, status) index, evaluated only for the rows the page shows. A
    join with GROUP BY aggregated every registration of every row first (issue 18)."""
    going = (
        Registration.objects.filter(event=OuterRef("event_id"), status=S.GOING)
        .order_by()
        .values("event")
        .annotate(n=Count("*"))  # COUNT(*): an index-only scan, no heap visit per row
        .values("n")
    )
    return Coalesce(Subquery(going, output_field=IntegerField()), Value(0))
