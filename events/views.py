from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from core.access import applicant, member, public
from core.redirects import safe_next

from . import selectors, services
from .ics import calendar_build, event_component, event_ics
from .models import Registration
from .registry import feed_descriptions, feed_providers, owner_for

RSVP_MESSAGES = {
    "going": "参加で登録しました。",
    "waitlisted": (
        "満席のため、キャンセル待ちに登録しました。繰り上がったらメールでお知らせします。"
    ),
    "not_going": "不参加で登録しました。",
    "cancelled": "申込を取り消しました。",
    "unchanged": "すでにその内容で登録されています。",
}


def _back(request, event) -> str:
    """Where to go after an RSVP: `next` if it is on this site, else the event's page."""
    return safe_next(request, request.POST.get("next"), owner_for(event).url(event) or "/members/")


# rsvp, go and ics are `@applicant` (signed in) on purpose: who may see an event is the
# owner's rule (sections: members only; trainings: the weekly orientation is open to
# applicants under review). `event_get_visible` answers 404 to everyone else.
@applicant
@require_POST
@vary_on_headers("HX-Request")
def rsvp(request, event_id: int):
    """Going / not going / cancel. htmx gets the panel back (422 with the reason when a
    rule says no); a plain form post gets a message and a redirect."""
    event = selectors.event_get_visible(event_id=event_id, user=request.user)
    action = request.POST.get("action")
    error = None
    outcome = None
    try:
        if action == "going":
            outcome = services.registration_rsvp(
                event_id=event.pk, user=request.user, going=True
            ).outcome
        elif action == "not_going":
            outcome = services.registration_rsvp(
                event_id=event.pk, user=request.user, going=False
            ).outcome
        elif action == "cancel":
            outcome = services.registration_cancel(event_id=event.pk, user=request.user).outcome
        else:
            error = "操作を選んでください。"
    except services.RegistrationError as exc:
        error = exc.message
    event.refresh_from_db()
    if request.htmx:
        context = selectors.rsvp_panel(event=event, user=request.user)
        context["flash"] = error or RSVP_MESSAGES.get(outcome or "", "")
        context["flash_error"] = bool(error)
        context["next"] = _back(request, event)
        return render(request, "events/_rsvp.html", context, status=422 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, RSVP_MESSAGES.get(outcome or "", "登録しました。"))
    return redirect(_back(request, event))


@applicant
@never_cache
@require_GET
def go(request, token: str):
    """The personal join link: redirects only its owner, only while open."""
    try:
        link = services.registration_open_join_link(token=token, user=request.user)
    except Registration.DoesNotExist:
        raise Http404("このリンクは使えません。") from None
    # Still allowed to see the event (e.g. not suspended since registering)?
    selectors.event_get_visible(event_id=link.registration.event_id, user=request.user)
    if link.state == "open":
        response = HttpResponseRedirect(link.url)
        response["Referrer-Policy"] = "no-referrer"
        return response
    event = link.registration.event
    return render(
        request,
        "events/go.html",
        {"link": link, "event": event, "event_url": owner_for(event).url(event)},
        status=200,
    )


@applicant
@require_GET
def event_ics_download(request, event_id: int):
    event = selectors.event_get_visible(event_id=event_id, user=request.user)
    response = HttpResponse(event_ics(event), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="yokoito-event-{event.pk}.ics"'
    return response


@member
@never_cache
def calendar(request):
    """The member's calendar page: private feed URL (regenerate) and upcoming events."""
    feed = services.calendar_feed_get_or_create(user=request.user)
    return render(
        request,
        "events/calendar.html",
        {
            "feed": feed,
            "feed_url": request.build_absolute_uri(f"/calendar/{feed.token}.ics"),
            "feed_holds": feed_descriptions(),
            "upcoming": selectors.registrations_upcoming(user=request.user, limit=50),
        },
    )


@member
@require_POST
def calendar_regenerate(request):
    services.calendar_feed_regenerate(user=request.user)
    messages.success(request, "カレンダーのURLを作り直しました。古いURLはもう使えません。")
    return redirect("events:calendar")


@public
@never_cache
@require_GET
def feed(request, token: str):
    """The private feed for calendar apps (no session): authorised by its secret token
    only. Public in the access policy on purpose (see docs/architecture.md)."""
    user = selectors.feed_user(token=token)
    if user is None:
        raise Http404
    components: list = []
    for provider in feed_providers():
        components.extend(provider(user))
    response = HttpResponse(
        calendar_build(components, name="横糸（参加予定）"),
        content_type="text/calendar; charset=utf-8",
    )
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


def registrations_feed_provider(user):
    """Feed provider of this app: the member's confirmed events."""
    return [event_component(event) for event in selectors.feed_events(user=user)]
