from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from core.access import member
from core.errors import ServiceError
from events import selectors as event_selectors

from . import registry, rules, selectors, series_selectors, services
from .forms import DecisionForm, JoinRequestForm, MeetingForm
from .models import Section, SectionMembership


@member
@vary_on_headers("HX-Request")
def directory(request):
    """部・課の一覧: grouped by department, type filter and search kept in the URL."""
    type_ = request.GET.get("type", "")
    q = request.GET.get("q", "")[:100]
    departments = selectors.directory(type=type_, q=q)
    registry.annotate_directory(request.user, [s for d in departments for s in d.listed])  # type: ignore[attr-defined]  # set by the selector
    context = {
        "departments": departments,
        "my_section_ids": selectors.section_ids_of(request.user),
        "types": Section.Type.choices,
        "type": type_ if type_ in Section.Type.values else "",
        "q": q,
    }
    template = "sections/directory.html#results" if request.htmx else "sections/directory.html"
    return render(request, template, context)


MEMBERS_PER_PAGE = 50
MEMBER_ACTIONS = {
    "handover": "sections:member_handover",
    "role": "sections:member_role",
    "remove": "sections:member_remove",
}


def _member_action_urls(section: Section, memberships) -> None:
    """Give each listed membership `action_urls` for the head's row buttons: one reverse
    per action for the page (three reverses per row were a third of the page's time)."""
    bases = {}
    for action, name in MEMBER_ACTIONS.items():
        head, tail = reverse(name, args=[section.slug, 0]).rsplit("/0/", 1)
        bases[action] = (f"{head}/", f"/{tail}")
    for m in memberships:
        m.action_urls = {a: f"{h}{m.user_id}{t}" for a, (h, t) in bases.items()}


def _detail_context(request, section: Section) -> dict:
    user = request.user
    membership, heads = selectors.membership_and_heads(section=section, user=user)
    can_manage = selectors.can_manage(membership=membership, user=user)
    can_see = selectors.can_see_members(section=section, membership=membership, user=user)
    member_count = selectors.member_count(section=section)
    members_page = None
    if can_see:
        members = selectors.members(section=section)
        # Page through the ids (an index range of membership_list_order), then load that
        # page's 50 rows with their members: one query, even on page 60 of 3,000.
        paginator = Paginator(members.values_list("pk", flat=True), MEMBERS_PER_PAGE)
        paginator.count = member_count  # kept on the section: no COUNT query
        members_page = paginator.get_page(request.GET.get("page"))
        members_page.object_list = list(members.filter(pk__in=members_page.object_list))  # type: ignore[arg-type]  # the page of ids, replaced by its rows
        if can_manage:
            _member_action_urls(section, members_page.object_list)
    upcoming, past = selectors.meetings_listed(section=section)
    registry.annotate_meetings(user, upcoming + past)
    return {
        **registry.panel_context(request, section, membership),
        "section_tabs": registry.tabs_for(section),
        "current_tab": "overview",
        "section": section,
        "membership": membership,
        "can_manage": can_manage,
        "is_head": rules.is_head(user=user, membership=membership),
        "can_see_members": can_see,
        "heads": heads,
        "members": members_page,
        "member_count": member_count,
        "series_lines": series_selectors.section_series_lines(section=section, user=user),
        "upcoming": upcoming,
        "past": past,
        "pending_requests": selectors.pending_requests(section=section) if can_manage else [],
        "my_request": None
        if membership
        else selectors.pending_request_of(section=section, user=user),
        "invitation": None
        if membership
        else selectors.pending_invitation_of(section=section, user=user),
        "request_form": JoinRequestForm(),
        "decision_form": DecisionForm(),
    }


@member
@vary_on_headers("HX-Request")
def detail(request, slug: str):
    section = selectors.section_get(slug=slug)
    return render(request, "sections/detail.html", _detail_context(request, section))


def _membership_response(request, section: Section, error: str = "", ok: str = ""):
    if request.htmx:
        section.refresh_from_db(fields=["member_count"])  # the service changed it
        context = _detail_context(request, section)
        context.update({"flash": error or ok, "flash_error": bool(error)})
        return render(request, "sections/detail.html#page", context, status=422 if error else 200)
    if error:
        messages.error(request, error)
    elif ok:
        messages.success(request, ok)
    return redirect(section.get_absolute_url())


@member
@require_POST
def join(request, slug: str):
    section = selectors.section_get(slug=slug)
    try:
        services.section_join(section_id=section.pk, user=request.user)
    except ServiceError as exc:
        return _membership_response(request, section, error=exc.message)
    return _membership_response(request, section, ok=f"{section.name}に参加しました。")


@member
@require_POST
def leave(request, slug: str):
    section = selectors.section_get(slug=slug)
    try:
        services.section_leave(section_id=section.pk, user=request.user)
    except ServiceError as exc:
        return _membership_response(request, section, error=exc.message)
    return _membership_response(request, section, ok=f"{section.name}から退出しました。")


@member
@require_POST
def join_request(request, slug: str):
    section = selectors.section_get(slug=slug)
    form = JoinRequestForm(request.POST)
    if not form.is_valid():
        return _membership_response(request, section, error="ひとことは500文字以内にしてください。")
    try:
        services.join_request_create(
            section_id=section.pk, user=request.user, message=form.cleaned_data["message"]
        )
    except ServiceError as exc:
        return _membership_response(request, section, error=exc.message)
    return _membership_response(
        request, section, ok="参加申請を送りました。課長の承認をお待ちください。"
    )


@member
@require_POST
def join_request_withdraw(request, slug: str):
    section = selectors.section_get(slug=slug)
    services.join_request_withdraw(section_id=section.pk, user=request.user)
    return _membership_response(request, section, ok="参加申請を取り下げました。")


def _manage_redirect(request, section: Section, *, error: str = "", ok: str = ""):
    if error:
        messages.error(request, error)
    elif ok:
        messages.success(request, ok)
    return redirect(section.get_absolute_url() + "#manage")


@member
@require_POST
def request_decide(request, slug: str, request_id: int):
    section = selectors.section_get(slug=slug)
    _require_manager(request, section)
    join_req = section.join_requests.filter(pk=request_id).first()
    if join_req is None:
        raise Http404
    form = DecisionForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    accept = request.POST.get("decision") == "accept"
    try:
        services.join_request_decide(
            request_id=join_req.pk, actor=request.user, accept=accept, message=message
        )
    except ServiceError as exc:
        return _manage_redirect(request, section, error=exc.message)
    return _manage_redirect(
        request, section, ok="参加を承認しました。" if accept else "参加申請を見送りました。"
    )


def _target_member(section: Section, user_id: int) -> SectionMembership:
    return selectors.membership_get(section=section, user_id=user_id)


@member
@require_POST
def member_remove(request, slug: str, user_id: int):
    section = selectors.section_get(slug=slug)
    _require_manager(request, section)
    target = _target_member(section, user_id)
    try:
        services.member_remove(section_id=section.pk, actor=request.user, user_id=target.user_id)
    except ServiceError as exc:
        return _manage_redirect(request, section, error=exc.message)
    return _manage_redirect(request, section, ok=f"{target.user}さんを課から外しました。")


@member
@require_POST
def member_role(request, slug: str, user_id: int):
    section = selectors.section_get(slug=slug)
    _require_manager(request, section)
    target = _target_member(section, user_id)
    try:
        services.member_set_role(
            section_id=section.pk,
            actor=request.user,
            user_id=target.user_id,
            role=request.POST.get("role", ""),
        )
    except ServiceError as exc:
        return _manage_redirect(request, section, error=exc.message)
    return _manage_redirect(request, section, ok=f"{target.user}さんの役割を変更しました。")


@member
@require_POST
def member_handover(request, slug: str, user_id: int):
    section = selectors.section_get(slug=slug)
    _require_manager(request, section)
    target = _target_member(section, user_id)
    try:
        services.headship_hand_over(
            section_id=section.pk, actor=request.user, to_user_id=target.user_id
        )
    except ServiceError as exc:
        return _manage_redirect(request, section, error=exc.message)
    return _manage_redirect(request, section, ok=f"課長を{target.user}さんに交代しました。")


@member
@require_POST
def invite(request, slug: str):
    section = selectors.section_get(slug=slug)
    _require_manager(request, section)
    email = request.POST.get("email", "").strip().lower()
    user = get_user_model().objects.filter(email__iexact=email).first() if email else None
    if user is None or not user.is_member:
        return _manage_redirect(
            request, section, error="そのメールアドレスのメンバーは見つかりません。"
        )
    try:
        services.invitation_create(section_id=section.pk, actor=request.user, user=user)
    except ServiceError as exc:
        return _manage_redirect(request, section, error=exc.message)
    return _manage_redirect(request, section, ok=f"{user}さんを招待しました。")


# --- Meetings -----------------------------------------------------------------------------


def _require_manager(request, section: Section) -> None:
    """Management pages and actions do not exist for anyone but heads, deputies and staff
    (404, as for a tampered id; the services check again)."""
    membership = selectors.membership_of(section=section, user=request.user)
    if not selectors.can_manage(membership=membership, user=request.user):
        raise Http404("このページは課長・課長補佐だけが使えます。")


def _form_response(request, template_context: dict, status: int):
    template = "sections/meeting_form.html#form" if request.htmx else "sections/meeting_form.html"
    return render(request, template, template_context, status=status)


@member
@vary_on_headers("HX-Request")
def meeting_create(request, slug: str):
    section = selectors.section_get(slug=slug)
    _require_manager(request, section)
    form = MeetingForm(request.POST or None)
    context = {"section": section, "form": form, "meeting": None}
    if request.method == "POST":
        if form.is_valid():
            try:
                meeting = services.meeting_create(
                    section_id=section.pk, actor=request.user, **form.cleaned_data
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "情報交換会を作成しました。")
                return _redirect(request, meeting.get_absolute_url())
        return _form_response(request, context, 422)
    return _form_response(request, context, 200)


def _redirect(request, url: str):
    if request.htmx:
        from django_htmx.http import HttpResponseClientRedirect

        return HttpResponseClientRedirect(url)
    return redirect(url)


@member
@vary_on_headers("HX-Request")
def meeting_edit(request, slug: str, meeting_id: int):
    meeting = selectors.meeting_get(slug=slug, meeting_id=meeting_id)
    section = meeting.section
    _require_manager(request, section)
    if meeting.event.is_cancelled:
        messages.error(request, "中止した会は編集できません。")
        return redirect(meeting.get_absolute_url())
    if meeting.series_id is not None and meeting.event.starts_at <= timezone.now():
        messages.error(request, "開始した回・終わった回は変更できません。")
        return redirect(meeting.get_absolute_url())
    form = MeetingForm(
        request.POST or None, initial=MeetingForm.initial_from(meeting), require_future=False
    )
    context = {"section": section, "form": form, "meeting": meeting}
    if request.method == "POST":
        if form.is_valid():
            # Only what changed: an untouched time must not count as a reschedule.
            changes = {k: v for k, v in form.cleaned_data.items() if k in form.changed_data}
            try:
                services.meeting_update(meeting_id=meeting.pk, actor=request.user, **changes)
            except ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "情報交換会を更新しました。")
                return _redirect(request, meeting.get_absolute_url())
        return _form_response(request, context, 422)
    return _form_response(request, context, 200)


@member
@require_POST
def meeting_cancel(request, slug: str, meeting_id: int):
    meeting = selectors.meeting_get(slug=slug, meeting_id=meeting_id)
    _require_manager(request, meeting.section)
    try:
        services.meeting_cancel(meeting_id=meeting.pk, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(meeting.get_absolute_url())
    messages.success(request, "情報交換会を中止にしました。申し込んでいた人に通知します。")
    return redirect(meeting.get_absolute_url())


@member
@vary_on_headers("HX-Request")
def meeting_detail(request, slug: str, meeting_id: int):
    meeting = selectors.meeting_get(slug=slug, meeting_id=meeting_id)
    membership = selectors.membership_of(section=meeting.section, user=request.user)
    context = {
        "meeting": meeting,
        "section": meeting.section,
        "event": meeting.event,
        "series_label": series_selectors.meeting_series_label(meeting),
        "membership": membership,
        "can_manage": selectors.can_manage(membership=membership, user=request.user),
        "next": reverse("sections:meeting", args=[meeting.section.slug, meeting.pk]),
        **event_selectors.rsvp_panel(event=meeting.event, user=request.user),
        **registry.meeting_panel_context(request, meeting, membership),
    }
    # `rsvp_panel` sets "event" too; keep the meeting's event object (same row).
    return render(request, "sections/meeting_detail.html", context)
