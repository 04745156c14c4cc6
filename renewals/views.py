"""年度更新: the member's one-page form, its answers, and the link sent to a new work
address. `@applicant`: a lapsed member (確認待ち, no member pages) must reach them too; the
services answer 404 to anyone without a renewal, and to someone else's link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors as account_selectors
from accounts.forms import initial_from_user
from core.access import applicant
from core.errors import ServiceError

from . import selectors, services
from .forms import BodyForm, RetiredForm, WithinForm
from .models import Renewal

C = Renewal.Choice


def forms_context(user, *, within=None, body=None, retired=None, open_choice="") -> dict:
    """The four answers' forms (the home panel shows the same)."""
    initial = initial_from_user(user)
    body = body or BodyForm(initial={**initial, "work_email": ""})
    prefecture = str(body["prefecture"].value() or "")[:2]
    return {
        "renewal_within_form": within
        or WithinForm(initial={k: initial[k] for k in ("department", "position", "job_type")}),
        "renewal_body_form": body,
        "renewal_retired_form": retired or RetiredForm(),
        "renewal_lg_options": account_selectors.local_government_options(prefecture=prefecture),
        "renewal_open_choice": open_choice,
    }


def _renewal_or_404(user) -> Renewal:
    renewal = selectors.current_renewal(user)
    if renewal is None:
        raise Http404("年度更新の対象ではありません。")
    return renewal


@applicant
@require_http_methods(["GET"])
def form(request):
    renewal = _renewal_or_404(request.user)
    context = {
        "renewal": renewal,
        "renewal_awaiting": selectors.awaiting(renewal),
        "renewal_change": selectors.latest_change(renewal),
        **forms_context(request.user),
    }
    return render(request, "renewals/form.html", context)


def _after(request, result) -> None:
    if result.already:
        messages.info(request, "年度更新の確認はすでに済んでいます。")
    elif result.restored:
        messages.success(request, "確認しました。会員向けのページを再び使えます。")
    else:
        messages.success(request, f"{result.renewal.cycle.label}の年度更新を確認しました。")


@applicant
@require_POST
def confirm(request):
    user = request.user
    renewal = _renewal_or_404(user)
    choice = request.POST.get("choice", "")
    kwargs: dict = {}
    invalid = None
    if choice == C.MOVED_WITHIN:
        within = WithinForm(request.POST)
        if within.is_valid():
            kwargs = {
                "data": within.service_data(),
                "effective_on": within.cleaned_data.get("effective_on"),
            }
        else:
            invalid = forms_context(user, within=within, open_choice=choice)
    elif choice == C.MOVED_BODY:
        body = BodyForm(request.POST)
        if body.is_valid():
            kwargs = {
                "data": body.service_data(),
                "effective_on": body.cleaned_data.get("effective_on"),
            }
        else:
            invalid = forms_context(user, body=body, open_choice=choice)
    elif choice == C.RETIRED:
        retired = RetiredForm(request.POST)
        if not retired.is_valid():
            invalid = forms_context(user, retired=retired, open_choice=choice)
    elif choice != C.UNCHANGED:
        messages.error(request, "回答を選んでください。")
        return redirect("renewals:form")
    if invalid is not None:
        context = {
            "renewal": renewal,
            "renewal_awaiting": selectors.awaiting(renewal),
            "renewal_change": selectors.latest_change(renewal),
            **invalid,
        }
        return render(request, "renewals/form.html", context, status=422)
    try:
        result = services.renewal_confirm(user=user, choice=choice, **kwargs)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("renewals:form")
    if choice == C.RETIRED:
        logout(request)
        messages.success(request, "退庁の手続きが完了しました。これまでありがとうございました。")
        return redirect("landing")
    if result.change is not None:
        messages.info(
            request,
            f"{result.change.work_email} に確認のメールを送りました。メールのリンクを開くと、"
            "新しい所属の確認が終わります。",
        )
        return redirect("renewals:form")
    _after(request, result)
    return redirect("home")


@applicant
@require_http_methods(["GET", "POST"])
def verify(request, token: str):
    """The link sent to the new work address. GET shows a button (mail scanners open
    links); POST verifies. Someone else's or an outdated link is a 404."""
    change = selectors.change_for(user=request.user, token=token)
    if request.method == "GET":
        return render(request, "renewals/verify.html", {"change": change})
    try:
        result = services.body_change_verify(user=request.user, token=token)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("renewals:form")
    if result.already:
        messages.info(request, "このアドレスは確認済みです。")
    elif result.change is not None and result.change.trusted:
        messages.success(
            request,
            "新しい職場のアドレスを確認しました。所属の変更は、そのまま確認済みになりました。",
        )
    else:
        messages.success(
            request,
            "新しい職場のアドレスを確認しました。新しい所属は事務局が確認します。"
            "確認が終わるまで、引き続きご利用いただけます。",
        )
    from accounts.models import User

    member = User.objects.filter(pk=request.user.pk, status=User.Status.APPROVED).exists()
    return redirect("home" if member else "application_status")
