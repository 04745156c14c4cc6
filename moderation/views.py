"""Thin views: parse, ask a selector or call a service, render. Every page also works
without JavaScript (plain forms, filters in the URL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.models import User
from core import markup, refusals
from core.access import member, public
from core.errors import ServiceError
from core.redirects import safe_next
from discussions import selectors as discussion_selectors
from discussions.models import Post

from . import selectors, services
from .forms import DecisionForm, FilterForm, PenaltyForm, ReportForm
from .models import Case, Penalty

# --- 行動規範 -------------------------------------------------------------------------------


@public
@require_GET
def conduct(request):
    current = selectors.current_conduct()
    user = request.user
    context = {
        "conduct": current,
        "body_html": markup.render(current.body, internal_links=False) if current else "",
        "needs": selectors.needs_conduct(user) if user.is_authenticated else None,
        "accepted": (
            selectors.accepted_version(user) if user.is_authenticated and user.is_member else None
        ),
        "next": request.GET.get("next", ""),
    }
    return render(request, "moderation/conduct.html", context)


@member
@require_POST
def conduct_accept(request):
    try:
        version = int(request.POST.get("version", ""))
    except (TypeError, ValueError):
        version = -1
    try:
        services.conduct_accept(user=request.user, version=version)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("moderation:conduct")
    messages.success(request, "行動規範に同意しました。投稿できます。")
    return redirect(safe_next(request, request.POST.get("next"), fallback=reverse("home")))


# --- Reporting ------------------------------------------------------------------------------


def _reported_thing(request, kind: str, pk: int):
    """What the member is reporting, for the page (404 when they may not read it)."""
    if kind == "post":
        post = (
            Post.objects.select_related("topic__section__discussion_setting", "author")
            .filter(pk=pk)
            .first()
        )
        if post is None or not discussion_selectors.may_read_post(user=request.user, post=post):
            raise Http404("投稿が見つかりません。")
        return {"post": post, "back": post.get_absolute_url()}
    if kind == "profile":
        person = User.objects.filter(pk=pk).first()
        if person is None or not person.is_member:
            raise Http404("会員が見つかりません。")
        return {"person": person, "back": reverse("profile", args=[pk])}
    raise Http404("報告する内容が見つかりません。")


@member
def report(request, kind: str, pk: int):
    thing = _reported_thing(request, kind, pk)
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            ids: dict[str, Any] = {"post_id": pk} if kind == "post" else {"profile_id": pk}
            try:
                result = services.report_create(
                    reporter=request.user,
                    reason=form.cleaned_data["reason"],
                    text=form.cleaned_data["text"],
                    **ids,
                )
            except ServiceError as exc:
                status = refusals.status_of(exc)
                if status == 404:
                    raise Http404(exc.message) from exc
                form.add_error(None, exc.message)
            else:
                (messages.success if result.created else messages.info)(request, result.message)
                if result.hidden_now or kind == "profile":
                    return redirect(thing["back"] if kind == "profile" else "moderation:mine")
                return redirect(thing["back"])
        else:
            status = 422
    return render(
        request,
        "moderation/report.html",
        {**thing, "form": form, "kind": kind},
        status=status,
    )


@member
@require_GET
def mine(request):
    """The member's own penalties (in force and past) and reports."""
    return render(
        request,
        "moderation/mine.html",
        {
            "penalties": selectors.my_penalties(request.user),
            "reports": selectors.my_reports(request.user),
            "now": timezone.now(),
        },
    )


# --- The queue ------------------------------------------------------------------------------


@member
@require_GET
@vary_on_headers("HX-Request")
def queue(request):
    if not selectors.may_use_queue(request.user):
        raise Http404("ページが見つかりません。")
    form = FilterForm(request.GET or None)
    filters = {"reason": "", "section": "", "state": "open"}
    if form.is_valid():
        filters.update({k: v for k, v in form.cleaned_data.items() if v})
    cases = selectors.queue(
        user=request.user,
        reason=filters["reason"],
        section_id=filters["section"],
        state=filters["state"],
    )
    page = Paginator(cases, selectors.CASES_PER_PAGE).get_page(request.GET.get("page"))
    for case in page.object_list:
        case.reasons = selectors.reasons_of(case)
    staff = selectors.is_moderator_staff(request.user)
    context = {
        "page": page,
        "form": form,
        "filters": filters,
        "query": urlencode({k: v for k, v in filters.items() if v}),
        "sections": selectors.queue_sections(request.user),
        "is_staff_view": staff,
        "figures": selectors.figures() if staff else None,
        "now": timezone.now(),
        "overdue_before": timezone.now() - selectors.OVERDUE_AFTER,
    }
    template = "moderation/queue.html#results" if request.htmx else "moderation/queue.html"
    return render(request, template, context)


def _case_context(request, case: Case, form=None, penalty_form=None) -> dict:
    staff_view = selectors.is_moderator_staff(request.user)
    return {
        "case": case,
        "reasons": selectors.reasons_of(case),
        "reports": selectors.case_reports(case),
        "context_posts": selectors.post_context(case),
        "history": selectors.author_history(author=case.author),
        "may_decide": selectors.may_decide_case(user=request.user, case=case),
        "may_redact": selectors.may_decide_as_staff(request.user),
        "may_penalise": selectors.may_penalise(request.user) and case.author_id is not None,
        "staff_view": staff_view,
        "audit": list(case.audit.select_related("actor").order_by("created_at", "id"))
        if staff_view
        else [],
        "form": form
        or DecisionForm(initial={"redacted_body": case.post.body if case.post else ""}),
        "penalty_form": penalty_form or PenaltyForm(initial={"kind": "silence", "days": 7}),
        "decisions": [
            (value, label)
            for value, label in Case.Decision.choices
            if (value != Case.Decision.REDACT or selectors.may_decide_as_staff(request.user))
            and not (case.kind == Case.Kind.PROFILE and value in ("hide", "redact"))
        ],
    }


@member
@require_GET
def case_detail(request, case_id: int):
    case = selectors.case_get(user=request.user, case_id=case_id)
    return render(request, "moderation/case.html", _case_context(request, case))


@member
@require_POST
def case_decide(request, case_id: int):
    case = selectors.case_get(user=request.user, case_id=case_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.case_decide(
                case_id=case.pk,
                actor=request.user,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
                redacted_body=form.cleaned_data["redacted_body"],
            )
        except ServiceError as exc:
            if refusals.status_of(exc) in (403, 404):
                return refusals.refuse(request, exc)
            form.add_error(None, exc.message)
        else:
            messages.success(request, "判断を記録し、投稿者と報告者に連絡しました。")
            return redirect("moderation:case", case_id=case.pk)
    return render(
        request, "moderation/case.html", _case_context(request, case, form=form), status=422
    )


# --- Penalties (staff) ----------------------------------------------------------------------


@member
def penalty_new(request, user_id: int):
    if not selectors.may_penalise(request.user):
        raise Http404("ページが見つかりません。")
    person = User.objects.filter(pk=user_id).first()
    if person is None:
        raise Http404("会員が見つかりません。")
    case_id = request.GET.get("case") or request.POST.get("case") or ""
    case_id = int(case_id) if str(case_id).isdigit() and len(str(case_id)) < 12 else None
    form = PenaltyForm(request.POST or None, initial={"kind": "silence", "days": 7})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            days = form.cleaned_data["days"]
            now = timezone.now()
            try:
                services.penalty_create(
                    actor=request.user,
                    user_id=person.pk,
                    kind=form.cleaned_data["kind"],
                    reason=form.cleaned_data["reason"],
                    ends_at=now + timedelta(days=days) if days else None,
                    case_id=case_id,
                    now=now,
                )
            except ServiceError as exc:
                if refusals.status_of(exc) == 404:
                    raise Http404(exc.message) from exc
                form.add_error(None, exc.message)
                status = refusals.status_of(exc)
            else:
                messages.success(request, "処分を記録し、会員に連絡しました。")
                if case_id:
                    return redirect("moderation:case", case_id=case_id)
                return redirect("moderation:penalty_new", user_id=person.pk)
        else:
            status = 422
    return render(
        request,
        "moderation/penalty_form.html",
        {
            "person": person,
            "form": form,
            "case_id": case_id,
            "history": selectors.author_history(author=person),
            "now": timezone.now(),
        },
        status=status,
    )


@member
@require_POST
def penalty_lift(request, penalty_id: int):
    if not selectors.may_penalise(request.user):
        raise Http404("ページが見つかりません。")
    penalty = Penalty.objects.filter(pk=penalty_id).first()
    if penalty is None:
        raise Http404("処分が見つかりません。")
    try:
        services.penalty_lift(penalty_id=penalty.pk, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "処分を解除しました。")
    return redirect("moderation:penalty_new", user_id=penalty.user_id)
