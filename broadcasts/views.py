from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.http import MemberRequest
from core.access import member
from core.redirects import safe_next

from . import selectors, services
from .forms import ArchiveSearchForm, FollowForm, WeekForm
from .models import Programme


def _programme_or_404(slug: str) -> Programme:
    return selectors.programme_get(slug=slug)


@member
def tonight(request: MemberRequest) -> HttpResponse:
    now = timezone.now()
    data = selectors.tonight(now=now)
    featured = data.on_air or data.next
    follows = selectors.follows_by_programme(user=request.user)
    return render(
        request,
        "broadcasts/tonight.html",
        {
            "now": now,
            "tonight": data,
            "featured": featured,
            "follow": follows.get(featured.programme_id) if featured else None,
            "aired_count": selectors.episodes_aired_count(now=now),
        },
    )


@member
@vary_on_headers("HX-Request")
def schedule(request: MemberRequest) -> HttpResponse:
    form = WeekForm(request.GET)
    today = timezone.localdate()
    status = 200
    error = ""
    partial = request.htmx and not request.htmx.history_restore_request
    if form.is_valid():
        day = form.cleaned_data["week"] or today
    else:
        # htmx swaps only 422 (static/js/yokoito.js): the fragment carries the message.
        day, status = today, 422 if partial else 400
        error = str(form.errors["week"][0])
    monday = selectors.week_start(day)
    context = {
        "days": selectors.schedule_week(monday=monday),
        "monday": monday,
        "sunday": monday + dt.timedelta(days=6),
        "previous_week": monday - dt.timedelta(days=7),
        "next_week": monday + dt.timedelta(days=7),
        "this_week": selectors.week_start(today),
        "today": today,
        "now": timezone.now(),
        "error": error,
    }
    template = "broadcasts/schedule.html#week" if partial else "broadcasts/schedule.html"
    return render(request, template, context, status=status)


@member
@vary_on_headers("HX-Request")
def archive(request: MemberRequest) -> HttpResponse:
    form = ArchiveSearchForm(request.GET)
    status = 200
    if form.is_valid():
        q, programme = form.cleaned_data["q"], form.cleaned_data["programme"]
    else:
        q, programme, status = "", None, 400
    now = timezone.now()
    episodes = selectors.archive_search(q=q, programme=programme)
    page = Paginator(episodes, settings.BROADCAST_ARCHIVE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "q": q,
        "programme": programme,
        "query": query.urlencode(),
        "now": now,
        "aired_count": selectors.episodes_aired_count(now=now),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    template = "broadcasts/archive.html#results" if partial else "broadcasts/archive.html"
    return render(request, template, context, status=status)


@member
def episode(request: MemberRequest, pk: int) -> HttpResponse:
    item = selectors.episode_get(pk=pk)
    follow = selectors.follows_by_programme(user=request.user).get(item.programme_id)
    return render(
        request,
        "broadcasts/episode.html",
        {"episode": item, "follow": follow, "now": timezone.now()},
    )


@member
def programmes(request: MemberRequest) -> HttpResponse:
    return render(
        request,
        "broadcasts/programmes.html",
        {"rows": selectors.programmes_with_follows(user=request.user)},
    )


@member
def programme(request: MemberRequest, slug: str) -> HttpResponse:
    item = _programme_or_404(slug)
    follow = selectors.follows_by_programme(user=request.user).get(item.pk)
    return _programme_page(request, item, follow, FollowForm(instance=follow))


def _back(request: MemberRequest, programme: Programme) -> HttpResponse:
    return redirect(safe_next(request, request.POST.get("next"), programme.get_absolute_url()))


def _follow_box(request: MemberRequest, programme: Programme, follow, *, status=200, form=None):
    """The follow box fragment (htmx answers); with the settings form on the programme page."""
    with_settings = request.POST.get("with_settings") == "1"
    if with_settings and form is None:
        form = FollowForm(instance=follow)
    context = {
        "programme": programme,
        "follow": follow,
        "next": request.POST.get("next", ""),
        "with_settings": with_settings,
        "form": form,
    }
    return render(request, "broadcasts/_follow.html", context, status=status)


def _programme_page(request: MemberRequest, programme: Programme, follow, form, status=200):
    return render(
        request,
        "broadcasts/programme.html",
        {
            "programme": programme,
            "follow": follow,
            "form": form,
            "upcoming": selectors.programme_upcoming(programme=programme),
        },
        status=status,
    )


@member
@require_POST
def follow(request: MemberRequest, slug: str) -> HttpResponse:
    """Follow (or change the follow settings). Without settings: a reminder 30 minutes before."""
    item = _programme_or_404(slug)
    existing = selectors.follows_by_programme(user=request.user).get(item.pk)
    if "mode" in request.POST:
        form = FollowForm(request.POST)
        if not form.is_valid():
            if request.htmx:
                return _follow_box(request, item, existing, status=422, form=form)
            return _programme_page(request, item, existing, form, status=422)
        data = form.cleaned_data
        try:
            new = services.follow_set(
                user=request.user,
                programme=item,
                mode=data["mode"],
                remind_minutes_before=data["remind_minutes_before"],
                digest_time=data["digest_time"],
            )
        except services.BroadcastError as exc:
            form.add_error(None, exc.message)
            if request.htmx:
                return _follow_box(request, item, existing, status=422, form=form)
            return _programme_page(request, item, existing, form, status=422)
        note = "通知の設定を保存しました。"
    else:
        new = existing or services.follow_set(user=request.user, programme=item)
        note = f"「{item.name}」をフォローしました。放送の30分前にメールでお知らせします。"
    if request.htmx:
        return _follow_box(request, item, new)
    messages.success(request, note)
    return _back(request, item)


@member
@require_POST
def unfollow(request: MemberRequest, slug: str) -> HttpResponse:
    item = _programme_or_404(slug)
    services.follow_remove(user=request.user, programme=item)
    if request.htmx:
        return _follow_box(request, item, None)
    messages.success(request, f"「{item.name}」のフォローを解除しました。")
    return _back(request, item)
