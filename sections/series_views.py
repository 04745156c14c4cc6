"""Pages of meeting series: the series page, create and edit (heads and deputies only),
end, join and leave the whole series, and the series calendar."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from core.access import member, public
from core.errors import ServiceError
from events import selectors as event_selectors
from events import services as event_services

from . import selectors, series_selectors, series_services
from .calendar import series_ics
from .forms import SeriesForm
from .models import MeetingSeries
from .views import _redirect, _require_manager


def _int(value) -> int | None:
    """A positive id from the query string or body, or None (tampered: the caller 404s)."""
    if value is None or not str(value).isdigit() or len(str(value)) > 12:
        return None
    return int(value)


def _field_error(form, exc: ServiceError) -> None:
    """A service's refusal on the field it is about (end before start → 終了日)."""
    names = {"end": "ends_on", "too_long": "ends_on", "no_dates": None}
    name = names.get(exc.code, exc.code)
    if name == "ends_on" and "end_by" in form.fields and form.cleaned_data.get("end_by") == "count":
        name = "count"
    form.add_error(name if name in form.fields else None, exc.message)


def _form_response(request, context: dict, status: int):
    template = "sections/series_form.html#form" if request.htmx else "sections/series_form.html"
    return render(request, template, context, status=status)


@member
@vary_on_headers("HX-Request")
def series_create(request, slug: str):
    section = selectors.section_get(slug=slug)
    _require_manager(request, section)
    form = SeriesForm(request.POST or None, scope="create")
    context = {
        "section": section,
        "form": form,
        "scope": "create",
        "root": None,
        "horizon_weeks": settings.SECTIONS_SERIES_HORIZON_WEEKS,
    }
    if request.method == "POST":
        if form.is_valid():
            try:
                series = series_services.series_create(
                    section_id=section.pk, actor=request.user, **form.service_fields()
                )
            except ServiceError as exc:
                _field_error(form, exc)
            else:
                created = series.meetings.count()
                messages.success(
                    request, f"シリーズを作成しました。今後{created}回分の会を用意しました。"
                )
                return _redirect(request, series.get_absolute_url())
        return _form_response(request, context, 422)
    return _form_response(request, context, 200)


@member
def series_detail(request, slug: str, series_id: int):
    root = series_selectors.series_get(slug=slug, series_id=series_id)
    section = root.section
    membership = selectors.membership_of(section=section, user=request.user)
    context = {
        "section": section,
        "membership": membership,
        "can_manage": selectors.can_manage(membership=membership, user=request.user),
        **series_selectors.series_page(root=root, user=request.user),
    }
    feed = event_services.calendar_feed_get_or_create(user=request.user)
    context["subscribe_url"] = request.build_absolute_uri(
        reverse("series_feed", args=[feed.token, root.pk])
    )
    context["subscribe_webcal"] = context["subscribe_url"].replace("https://", "webcal://", 1)
    return render(request, "sections/series_detail.html", context)


def _scope(request) -> str:
    scope = request.GET.get("scope", "all")
    if scope not in ("following", "all"):
        raise Http404("編集の範囲が正しくありません。")
    return scope


@member
@vary_on_headers("HX-Request")
def series_edit(request, slug: str, series_id: int):
    """この回以降 (`?scope=following&from=<meeting>`) or すべての回 (`?scope=all`)."""
    root = series_selectors.series_get(slug=slug, series_id=series_id)
    section = root.section
    _require_manager(request, section)
    scope = _scope(request)
    raw_from = request.GET.get("from")
    meeting = None
    if raw_from is not None or scope == "following":
        meeting_id = _int(raw_from)
        if meeting_id is None:
            raise Http404("回が見つかりません。")
        meeting = series_selectors.series_meeting_get(root=root, meeting_id=meeting_id)
    parts = series_selectors.series_parts(root=root)
    part = meeting.series if meeting is not None else series_selectors.current_part(parts)
    assert part is not None
    from .recurrence import Rule, last_rule_date

    last = last_rule_date(Rule.of(part))
    initial = SeriesForm.initial_from(part, last_date=last)
    if scope == "following" and part.count is not None:
        # A count is from the series' first date: from this meeting on, end by the date.
        initial.update({"end_by": "date", "ends_on": last, "count": None})
    form = SeriesForm(request.POST or None, initial=initial, scope=scope)
    context = {
        "section": section,
        "form": form,
        "scope": scope,
        "root": root,
        "part": part,
        "meeting": meeting,
        "query": request.GET.urlencode(),
    }
    if request.method == "POST":
        if form.is_valid():
            changes = form.service_fields()
            try:
                if scope == "following":
                    assert meeting is not None
                    change = series_services.series_update_following(
                        meeting_id=meeting.pk, actor=request.user, **changes
                    )
                else:
                    changed = {k: v for k, v in changes.items() if k in form.changed_data}
                    change = series_services.series_update_all(
                        series_id=part.pk, actor=request.user, **changed
                    )
            except ServiceError as exc:
                _field_error(form, exc)
            else:
                messages.success(request, _change_message(change))
                return _redirect(request, root.get_absolute_url())
        return _form_response(request, context, 422)
    return _form_response(request, context, 200)


def _change_message(change: series_services.SeriesChange) -> str:
    parts = ["シリーズを更新しました。"]
    if change.updated:
        parts.append(f"{len(change.updated)}回の日時・場所が変わりました。")
    if change.cancelled:
        parts.append(f"{len(change.cancelled)}回を中止しました。")
    if change.created:
        parts.append(f"{len(change.created)}回を新しく用意しました。")
    if change.updated or change.cancelled:
        parts.append("申し込んでいる人にはメールで知らせます。")
    return "".join(parts)


@member
@require_POST
def series_end(request, slug: str, series_id: int):
    """この回以降を中止 (`from` = the meeting) or 今後の回をすべて中止 (no `from`)."""
    root = series_selectors.series_get(slug=slug, series_id=series_id)
    _require_manager(request, root.section)
    meeting_id = None
    if "from" in request.POST:
        meeting_id = _int(request.POST.get("from"))
        if meeting_id is None:
            raise Http404("回が見つかりません。")
        series_selectors.series_meeting_get(root=root, meeting_id=meeting_id)
    try:
        change = series_services.series_end(
            series_id=root.pk, actor=request.user, from_meeting_id=meeting_id
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(root.get_absolute_url())
    messages.success(
        request,
        f"シリーズを終了しました（{len(change.cancelled)}回を中止）。申し込んでいた人に知らせます。",
    )
    return redirect(root.get_absolute_url())


def _join_response(request, root: MeetingSeries, *, ok: str = "", error: str = ""):
    if request.htmx:
        section = root.section
        membership = selectors.membership_of(section=section, user=request.user)
        context = {
            "section": section,
            "membership": membership,
            "can_manage": selectors.can_manage(membership=membership, user=request.user),
            **series_selectors.series_page(root=root, user=request.user),
            "flash": error or ok,
            "flash_error": bool(error),
        }
        return render(
            request, "sections/series_detail.html#join", context, status=422 if error else 200
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, ok)
    return redirect(root.get_absolute_url())


@member
@require_POST
@vary_on_headers("HX-Request")
def series_join(request, slug: str, series_id: int):
    root = series_selectors.series_get(slug=slug, series_id=series_id)
    try:
        result = series_services.series_join(series_id=root.pk, user=request.user)
    except ServiceError as exc:
        return _join_response(request, root, error=exc.message)
    text = "シリーズに参加しました。"
    if result.going:
        text += f"{result.going}回に参加で申し込みました。"
    if result.waitlisted:
        text += f"満席の{result.waitlisted}回はキャンセル待ちです。"
    if result.skipped:
        text += f"{result.skipped}回（不参加と回答済み・締切後など）はそのままです。"
    text += "これから用意される回にも自動で申し込みます。"
    return _join_response(request, root, ok=text)


@member
@require_POST
@vary_on_headers("HX-Request")
def series_leave(request, slug: str, series_id: int):
    root = series_selectors.series_get(slug=slug, series_id=series_id)
    result = series_services.series_leave(series_id=root.pk, user=request.user)
    if not result.was_subscribed and not result.cancelled:
        return _join_response(request, root, ok="このシリーズには参加していません。")
    return _join_response(
        request,
        root,
        ok=f"シリーズへの参加をやめました（{result.cancelled}回の申込を取り消しました）。",
    )


def _ics_response(root: MeetingSeries) -> HttpResponse:
    parts, by_part = series_selectors.series_calendar_data(root=root)
    response = HttpResponse(
        series_ics(parts, by_part, root=root), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="yokoito-series-{root.pk}.ics"'
    return response


@member
@require_GET
def series_ics_download(request, slug: str, series_id: int):
    return _ics_response(series_selectors.series_get(slug=slug, series_id=series_id))


@public
@never_cache
@require_GET
def series_feed(request, token: str, series_id: int):
    """The series calendar for subscriptions (Outlook, Google): calendar apps have no
    session, so it is authorised by the member's private feed token (regenerating it on
    /events/calendar/ ends these URLs too), like /calendar/<token>.ics."""
    user = event_selectors.feed_user(token=token)
    if user is None:
        raise Http404
    part = MeetingSeries.objects.select_related("section").filter(pk=series_id).first()
    if part is None:
        raise Http404
    root = series_selectors.series_get(slug=part.section.slug, series_id=part.pk)
    response = _ics_response(root)
    del response["Content-Disposition"]
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
