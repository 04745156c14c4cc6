"""Pages of notifications: the inbox, mark read, levels, the settings page, お知らせ and
the one-click unsubscribe (which never needs a login: its signed token is the key)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.http import MemberRequest
from core.access import member, public
from core.errors import ServiceError
from core.redirects import safe_next

from . import selectors, services
from .models import MAIL_KINDS, Digest


@member
@require_http_methods(["GET"])
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("filter") == "unread"
    page, groups = selectors.inbox_page(
        user=request.user, page=request.GET.get("page") or 1, unread_only=unread_only
    )
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "groups": groups,
            "unread_only": unread_only,
            "query": "filter=unread" if unread_only else "",
        },
    )


@member
@require_http_methods(["GET"])
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark the entry's notifications read and go where it points (the reply)."""
    row, target = selectors.notification_target(user=request.user, notification_id=notification_id)
    services.notifications_mark_read(user=request.user, group=row.group)
    return redirect(target.url or reverse("notifications:inbox"))


@member
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    group = (request.POST.get("group") or "")[:60]
    if group:
        services.notifications_mark_read(user=request.user, group=group)
    return redirect(safe_next(request, request.POST.get("next"), reverse("notifications:inbox")))


@member
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, f"{count}件を既読にしました。" if count else "未読はありません。")
    return redirect(safe_next(request, request.POST.get("next"), reverse("notifications:inbox")))


@member
@require_POST
@vary_on_headers("HX-Request")
def watch(request: MemberRequest) -> HttpResponse:
    """Set the level of a section or a topic (the form on the section and topic pages)."""
    channel = (request.POST.get("channel") or "")[:40]
    level = (request.POST.get("level") or "")[:12]
    fallback = reverse("notifications:settings")
    status = 200
    try:
        services.watch_set(user=request.user, channel=channel, level=level)
    except ServiceError as exc:
        if exc.code == "not_found":
            return render(request, "404.html", {"exception": exc.message}, status=404)
        error, status = exc.message, 422
    else:
        error = ""
    if request.htmx:
        context = selectors.watch_panel(user=request.user, channel=channel)
        context.update(
            {
                "watch_error": error,
                "watch_saved": not error,
                "watch_next": safe_next(request, request.POST.get("next"), fallback),
            }
        )
        return render(request, "notifications/_watch_form.html", context, status=status)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "通知レベルを変更しました。")
    return redirect(safe_next(request, request.POST.get("next"), fallback))


MAIL_SWITCHES = ("mention", "reply", "answer")


@member
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    """One page for every section's level and every mail switch."""
    error = ""
    if request.method == "POST":
        try:
            services.preference_update(
                user=request.user,
                digest=(request.POST.get("digest") or "")[:10],
                **{m: request.POST.get(f"mail_{m}") == "on" for m in MAIL_SWITCHES},
            )
            for key, value in request.POST.items():
                if key.startswith("level:") and value:
                    services.watch_set(
                        user=request.user, channel=key[6:][:40], level=str(value)[:12]
                    )
        except ServiceError as exc:
            error = exc.message
        else:
            messages.success(request, "通知の設定を保存しました。")
            return redirect("notifications:settings")
    pref = selectors.preference_of(request.user)
    return render(
        request,
        "notifications/settings.html",
        {
            "rows": selectors.settings_rows(user=request.user),
            "pref": pref,
            "mail_switches": [(m, MAIL_KINDS[m], pref.mail_on(m)) for m in MAIL_SWITCHES],
            "digest_choices": Digest.choices,
            "error": error,
        },
        status=422 if error else 200,
    )


@member
@require_http_methods(["GET"])
def announcement(request: HttpRequest, announcement_id: int) -> HttpResponse:
    item = selectors.announcement_get(announcement_id=announcement_id)
    return render(request, "notifications/announcement.html", {"announcement": item})


@public
@csrf_exempt  # RFC 8058: the mail client POSTs without our cookie; the token is the key.
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what will stop and a button (link scanners only GET); POST stops it."""
    context: dict = {"token": token}
    try:
        if request.method == "POST":
            user, mail = services.unsubscribe_apply(token=token)
            context["done"] = True
        else:
            user, mail = services.unsubscribe_check(token)
    except ServiceError as exc:
        return render(
            request,
            "notifications/unsubscribe.html",
            {"error": exc.message, "stale": exc.code == "stale"},
            status=400,
        )
    context.update({"mail_label": MAIL_KINDS[mail], "mail": mail, "who": user.display_name})
    return render(request, "notifications/unsubscribe.html", context)
