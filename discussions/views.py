"""Thin views: parse, ask a selector or call a service, render. htmx gets the fragment
(`{% partialdef %}` in the same template); without JS the same forms post normally."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from core import refusals
from core.access import member, public
from core.errors import ServiceError
from notifications import selectors as notification_selectors
from search import selectors as search_selectors
from sections import registry as section_registry
from sections.models import Meeting

from . import cards, notifying, search_docs, selectors, services
from .forms import (
    EntryForm,
    NotesForm,
    PostEditForm,
    ReadingForm,
    ReplyForm,
    TopicEditForm,
    TopicForm,
    parse_filters,
)
from .models import Entry, Topic


def _redirect(request, url: str):
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _warn(request, warnings: list[str]) -> None:
    for warning in warnings:
        messages.warning(request, warning)


def _section_context(request, section, membership, tab: str) -> dict:
    return {
        "section": section,
        "membership": membership,
        "section_tabs": section_registry.tabs_for(section),
        "current_tab": tab,
        "reading": selectors.reading_of(section),
    }


def _readable_section(request, slug: str):
    section = selectors.section_get(slug=slug)
    membership = selectors.membership_of(section=section, user=request.user)
    if not selectors.may_read_section(user=request.user, section=section, membership=membership):
        return section, membership, False
    return section, membership, True


def _closed_page(request, section, membership, tab: str):
    """A 課員のみ section seen from outside: the tab says so, and lists nothing."""
    context = _section_context(request, section, membership, tab)
    return render(request, "discussions/section_closed.html", context, status=403)


# --- The section's topic list ------------------------------------------------------------------


@member
@require_GET
@vary_on_headers("HX-Request")
def topic_list(request, slug: str):
    section, membership, readable = _readable_section(request, slug)
    if not readable:
        return _closed_page(request, section, membership, "topics")
    filters = parse_filters(request.GET)
    topics = selectors.topic_list(
        user=request.user, section=section, membership=membership, **filters
    )
    page = Paginator(topics, selectors.TOPICS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = selectors.attach_tag_names(list(page.object_list))
    query = urlencode({k: v for k, v in filters.items() if v})
    context = {
        **_section_context(request, section, membership, "topics"),
        "page": page,
        "topics_url": reverse("discussions:topics", args=[section.slug]),
        "filters": filters,
        "query": query,
        "kinds": Topic.Kind.choices,
        "tags": selectors.section_tags(section=section),
        "posting_refusal": selectors.posting_refusal(
            user=request.user, section=section, membership=membership
        ),
        "is_head": selectors.is_head(user=request.user, section=section, membership=membership),
        "reading_form": ReadingForm(initial={"reading": selectors.reading_of(section)}),
    }
    template = (
        "discussions/topic_list.html#results" if request.htmx else "discussions/topic_list.html"
    )
    return render(request, template, context)


@member
@vary_on_headers("HX-Request")
def topic_new(request, slug: str):
    section, membership, readable = _readable_section(request, slug)
    if not readable:
        return _closed_page(request, section, membership, "topics")
    refusal = selectors.posting_refusal(user=request.user, section=section, membership=membership)
    form = TopicForm(request.POST or None, request.FILES or None)
    context = {
        **_section_context(request, section, membership, "topics"),
        "form": form,
        "refusal": refusal,
    }
    status = 200
    if request.method == "POST":
        if refusal:
            return render(request, "refused.html", {"message": refusal}, status=403)
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = services.topic_create(section_id=section.pk, author=request.user, **data)
            except ServiceError as exc:
                if exc.code in ("forbidden", "not_found"):
                    return refusals.refuse(request, exc)
                form.add_error(None, exc.message)
                status = refusals.status_of(exc)
            else:
                messages.success(request, "話題を投稿しました。")
                _warn(request, result.warnings)
                return _redirect(request, result.topic.get_absolute_url())
    template = "discussions/topic_form.html#form" if request.htmx else "discussions/topic_form.html"
    return render(request, template, context, status=status)


@member
@require_POST
def section_reading(request, slug: str):
    section = selectors.section_get(slug=slug)
    form = ReadingForm(request.POST)
    if not selectors.is_head(user=request.user, section=section):
        raise Http404("このページは課長と事務局だけが使えます。")
    if not form.is_valid():
        messages.error(request, "公開範囲を選んでください。")
        return redirect(reverse("discussions:topics", args=[slug]))
    try:
        setting = services.section_reading_set(
            section_id=section.pk, actor=request.user, reading=form.cleaned_data["reading"]
        )
    except ServiceError as exc:
        return refusals.refuse(request, exc)
    messages.success(request, f"話題の公開範囲を「{setting.get_reading_display()}」にしました。")
    return redirect(reverse("discussions:topics", args=[slug]))


# --- A topic and its replies ------------------------------------------------------------------


def _topic(request, slug: str, topic_id: int):
    section = selectors.section_get(slug=slug)
    membership = selectors.membership_of(section=section, user=request.user)
    topic = selectors.topic_get(
        section=section, topic_id=topic_id, user=request.user, membership=membership
    )
    return section, membership, topic


def _topic_context(request, section, membership, topic, *, reply_form=None, page=None) -> dict:
    user = request.user
    page = page or selectors.thread_page(topic=topic, user=user, page=request.GET.get("page"))
    cards.attach(page.posts, topic=topic, viewer=user)
    answer = selectors.accepted_answer(topic=topic, user=user, page=page)
    is_manager = selectors.is_manager(user=user, section=section, membership=membership)
    quoted = None
    if reply_form is None:
        raw = request.GET.get("quote", "")
        if raw.isdigit() and len(raw) < 19:
            quoted = selectors.quotable_post(topic=topic, post_id=int(raw), user=user)
        reply_form = ReplyForm(initial={"quote": quoted.pk} if quoted else None)
    elif reply_form.is_bound and str(reply_form.data.get("quote", "")).isdigit():
        raw = str(reply_form.data["quote"])
        if len(raw) < 19:
            quoted = selectors.quotable_post(topic=topic, post_id=int(raw), user=user)
    return {
        **_section_context(request, section, membership, "topics"),
        **notification_selectors.watch_panel(user=user, channel=notifying.topic_channel(topic.pk)),
        "topic": topic,
        "topic_url": topic.get_absolute_url(),
        "page": page,
        "answer": answer,
        "reply_form": reply_form,
        "quoted": quoted,
        "reply_refusal": selectors.reply_refusal(user=user, topic=topic, membership=membership),
        "may_mark": selectors.may_mark_answer(user=user, topic=topic, membership=membership),
        "is_manager": is_manager,
        "may_delete_topic": selectors.may_delete_topic(
            user=user, topic=topic, membership=membership
        ),
        "may_curate": selectors.may_curate(user=user, section=section, membership=membership),
        "entries": selectors.entries_of_topic(topic, user, membership),
    }


@member
@require_GET
@vary_on_headers("HX-Request")
def topic_detail(request, slug: str, topic_id: int):
    section, membership, topic = _topic(request, slug, topic_id)
    context = _topic_context(request, section, membership, topic)
    template = (
        "discussions/topic_detail.html#thread" if request.htmx else "discussions/topic_detail.html"
    )
    return render(request, template, context)


@member
@require_POST
def reply(request, slug: str, topic_id: int):
    section, membership, topic = _topic(request, slug, topic_id)
    form = ReplyForm(request.POST, request.FILES)
    status = 422
    if form.is_valid():
        try:
            result = services.reply_create(
                topic_id=topic.pk,
                author=request.user,
                body=form.cleaned_data["body"],
                quote_id=form.cleaned_data["quote"],
                files=form.cleaned_data["files"],
            )
        except ServiceError as exc:
            if exc.code in ("forbidden", "not_found", "locked") and not request.htmx:
                return refusals.refuse(request, exc)
            form.add_error(None, exc.message)
            # htmx swaps 422 and 429 only: a refusal is shown as the form's error.
            status = 429 if exc.code == "rate_limited" else 422
        else:
            post = selectors.post_get(topic=topic, post_id=result.post.pk)
            if request.htmx:
                cards.attach([post], topic=topic, viewer=request.user)
                context = _topic_context(request, section, membership, topic)
                context.update(
                    {"post": post, "fresh_form": ReplyForm(), "warnings": result.warnings}
                )
                return render(request, "discussions/topic_detail.html#reply_added", context)
            messages.success(request, "返信しました。")
            _warn(request, result.warnings)
            return redirect(selectors.post_url(post))
    context = _topic_context(request, section, membership, topic, reply_form=form)
    if request.htmx:
        response = render(
            request, "discussions/topic_detail.html#reply_form", context, status=status
        )
        return reswap(retarget(response, "#reply-form"), "outerHTML")
    return render(request, "discussions/topic_detail.html", context, status=status)


@member
@vary_on_headers("HX-Request")
def topic_edit(request, slug: str, topic_id: int):
    section, membership, topic = _topic(request, slug, topic_id)
    opening = selectors.opening_post(topic)
    if not selectors.may_edit_post(user=request.user, post=opening):
        raise Http404("この話題を編集できるのは投稿した本人だけです。")
    initial = {
        "kind": topic.kind,
        "title": topic.title,
        "body": opening.body,
        "tags": ", ".join(topic.tag_names),
    }
    form = TopicEditForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                result = services.topic_update(
                    topic_id=topic.pk, actor=request.user, **form.cleaned_data
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
                status = refusals.status_of(exc)
            else:
                messages.success(request, "話題を更新しました。")
                _warn(request, result.warnings)
                return _redirect(request, topic.get_absolute_url())
    context = {
        **_section_context(request, section, membership, "topics"),
        "form": form,
        "topic": topic,
        "editing": True,
    }
    template = "discussions/topic_form.html#form" if request.htmx else "discussions/topic_form.html"
    return render(request, template, context, status=status)


@member
@require_POST
def topic_delete(request, slug: str, topic_id: int):
    _section, _membership, topic = _topic(request, slug, topic_id)
    try:
        services.topic_delete(topic_id=topic.pk, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _redirect(request, topic.get_absolute_url())
    messages.success(request, "話題を削除しました。")
    return _redirect(request, reverse("discussions:topics", args=[slug]))


@member
@require_POST
def topic_lock(request, slug: str, topic_id: int):
    _section, _membership, topic = _topic(request, slug, topic_id)
    locked = request.POST.get("locked") == "1"
    try:
        services.topic_set_locked(topic_id=topic.pk, actor=request.user, locked=locked)
    except ServiceError as exc:
        return refusals.refuse(request, exc)
    messages.success(request, "返信を締め切りました。" if locked else "返信の受付を再開しました。")
    return _redirect(request, topic.get_absolute_url())


@member
@vary_on_headers("HX-Request")
def post_edit(request, slug: str, topic_id: int, post_id: int):
    section, membership, topic = _topic(request, slug, topic_id)
    post = selectors.post_get(topic=topic, post_id=post_id)
    if post.is_opening:
        return redirect(reverse("discussions:topic_edit", args=[slug, topic.pk]))
    if not selectors.may_edit_post(user=request.user, post=post):
        raise Http404("この投稿を編集できるのは投稿した本人だけです。")
    form = PostEditForm(request.POST or None, initial={"body": post.body})
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                result = services.post_update(
                    post_id=post.pk, actor=request.user, body=form.cleaned_data["body"]
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
                status = refusals.status_of(exc)
            else:
                messages.success(request, "投稿を更新しました。")
                _warn(request, result.warnings)
                return _redirect(request, selectors.post_url(post))
    context = {
        **_section_context(request, section, membership, "topics"),
        "form": form,
        "topic": topic,
        "post": post,
    }
    template = "discussions/post_form.html#form" if request.htmx else "discussions/post_form.html"
    return render(request, template, context, status=status)


@member
@require_POST
def post_delete(request, slug: str, topic_id: int, post_id: int):
    _section, _membership, topic = _topic(request, slug, topic_id)
    post = selectors.post_get(topic=topic, post_id=post_id)
    try:
        services.post_delete(post_id=post.pk, actor=request.user)
    except ServiceError as exc:
        return refusals.refuse(request, exc)
    messages.success(request, "投稿を削除しました。")
    return _redirect(request, selectors.post_url(post))


@member
@require_POST
def answer_mark(request, slug: str, topic_id: int, post_id: int):
    _section, _membership, topic = _topic(request, slug, topic_id)
    try:
        services.answer_mark(topic_id=topic.pk, post_id=post_id, actor=request.user)
    except ServiceError as exc:
        return refusals.refuse(request, exc)
    messages.success(request, "ベストアンサーに選びました。この質問は解決済みになりました。")
    return _redirect(request, topic.get_absolute_url())


@member
@require_POST
def answer_unmark(request, slug: str, topic_id: int):
    _section, _membership, topic = _topic(request, slug, topic_id)
    try:
        services.answer_unmark(topic_id=topic.pk, actor=request.user)
    except ServiceError as exc:
        return refusals.refuse(request, exc)
    messages.success(request, "ベストアンサーの選択を解除しました。")
    return _redirect(request, topic.get_absolute_url())


@member
@require_GET
def attachment(request, slug: str, topic_id: int, attachment_id: int):
    """A post's file, only for members who may read the post (a deleted or hidden post's
    files are not served). Served with its checked type, `nosniff`, and as a download
    (images inline, so the thread can show them)."""
    _section, _membership, topic = _topic(request, slug, topic_id)
    item = selectors.attachment_get(topic=topic, attachment_id=attachment_id, user=request.user)
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("ファイルが見つかりません。") from exc
    response = FileResponse(
        handle,
        as_attachment=not item.is_image,
        filename=item.original_name,
        content_type=item.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Meeting notes (議事メモ) -------------------------------------------------------------------


def _meeting(request, slug: str, meeting_id: int):
    section = selectors.section_get(slug=slug)
    meeting = (
        Meeting.objects.select_related("event", "section")
        .filter(pk=meeting_id, section=section)
        .first()
    )
    if meeting is None:
        raise Http404("情報交換会が見つかりません。")
    meeting.section = section
    membership = selectors.membership_of(section=section, user=request.user)
    return section, membership, meeting


@member
@vary_on_headers("HX-Request")
def meeting_notes(request, slug: str, meeting_id: int):
    section, membership, meeting = _meeting(request, slug, meeting_id)
    if not selectors.may_write_notes(user=request.user, meeting=meeting, membership=membership):
        raise Http404("議事メモを書けるのは、会が始まってからの課長と書記だけです。")
    topic = selectors.notes_topic_of(meeting=meeting, user=request.user)
    initial = {}
    if topic is not None:
        initial = {"title": topic.title, "body": selectors.opening_post(topic).body}
    form = NotesForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                result = services.meeting_notes_save(
                    meeting_id=meeting.pk, actor=request.user, **form.cleaned_data
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
                status = refusals.status_of(exc)
            else:
                messages.success(request, "議事メモを保存しました。話題の一覧にも載ります。")
                _warn(request, result.warnings)
                return _redirect(request, result.topic.get_absolute_url())
    context = {
        **_section_context(request, section, membership, "overview"),
        "meeting": meeting,
        "form": form,
        "notes_topic": topic,
    }
    template = "discussions/notes_form.html#form" if request.htmx else "discussions/notes_form.html"
    return render(request, template, context, status=status)


@member
@require_POST
def meeting_scribe(request, slug: str, meeting_id: int):
    section, membership, meeting = _meeting(request, slug, meeting_id)
    if not selectors.is_head(user=request.user, section=section, membership=membership):
        raise Http404("書記を決められるのは課長と事務局だけです。")
    raw = request.POST.get("user", "")
    user_id = int(raw) if raw.isdigit() and len(raw) < 19 else None
    if raw and user_id is None:
        messages.error(request, "書記はこの課のメンバーから選んでください。")
        return redirect(meeting.get_absolute_url())
    try:
        scribe = services.meeting_scribe_set(
            meeting_id=meeting.pk, actor=request.user, user_id=user_id
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(meeting.get_absolute_url())
    if scribe is None:
        messages.success(request, "書記の指名を取り消しました。")
    else:
        messages.success(request, f"{scribe.user.display_name}さんを書記にしました。")
    return redirect(meeting.get_absolute_url())


# --- 参考Q&A ------------------------------------------------------------------------------------


def _entry_form_response(request, context: dict, status: int):
    template = "discussions/entry_form.html#form" if request.htmx else "discussions/entry_form.html"
    return render(request, template, context, status=status)


def _entry_create(request, section, membership, *, prefill: dict, topics=(), meetings=(), back=""):
    if not selectors.may_curate(user=request.user, section=section, membership=membership):
        raise Http404("参考Q&Aを作れるのは課長と事務局だけです。")
    form = EntryForm(request.POST or None, initial=prefill)
    context = {
        **_section_context(request, section, membership, "qa"),
        "form": form,
        "source_topics": topics,
        "source_meetings": meetings,
        "back": back,
    }
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                entry = services.entry_create(
                    section_id=section.pk,
                    actor=request.user,
                    source_topic_ids=[t.pk for t in topics],
                    source_meeting_ids=[m.pk for m in meetings],
                    **form.cleaned_data,
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
                status = refusals.status_of(exc)
            else:
                messages.success(
                    request, "参考Q&Aに登録しました。事務局が確認すると一般公開できます。"
                )
                return _redirect(request, entry.get_absolute_url())
    return _entry_form_response(request, context, status)


@member
@vary_on_headers("HX-Request")
def topic_to_entry(request, slug: str, topic_id: int):
    """From a (solved) topic: the form comes pre-filled; saving is the second click."""
    section, membership, topic = _topic(request, slug, topic_id)
    prefill = selectors.entry_prefill_from_topic(topic=topic, user=request.user)
    return _entry_create(
        request, section, membership, prefill=prefill, topics=[topic], back=topic.get_absolute_url()
    )


@member
@vary_on_headers("HX-Request")
def meeting_to_entry(request, slug: str, meeting_id: int):
    section, membership, meeting = _meeting(request, slug, meeting_id)
    topic = selectors.notes_topic_of(meeting=meeting, user=request.user)
    prefill = selectors.entry_prefill_from_meeting(meeting=meeting, topic=topic)
    return _entry_create(
        request,
        section,
        membership,
        prefill=prefill,
        topics=[topic] if topic else [],
        meetings=[meeting],
        back=meeting.get_absolute_url(),
    )


@member
@require_GET
@vary_on_headers("HX-Request")
def section_qa(request, slug: str):
    section, membership, readable = _readable_section(request, slug)
    tag = parse_filters(request.GET)["tag"]
    if readable:
        entries = selectors.entry_list(user=request.user, section=section, tag=tag)
    else:  # a 課員のみ section: only its published entries
        entries = selectors.public_entries(selectors.entry_list(user=request.user, section=section))
    page = Paginator(entries, selectors.ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        **_section_context(request, section, membership, "qa"),
        "page": page,
        "tag": tag,
        "query": urlencode({"tag": tag}) if tag else "",
        "may_curate": selectors.may_curate(
            user=request.user, section=section, membership=membership
        ),
    }
    template = (
        "discussions/section_qa.html#results" if request.htmx else "discussions/section_qa.html"
    )
    return render(request, template, context)


def _is_member(request) -> bool:
    return request.user.is_authenticated and request.user.is_member


@public
@require_GET
@vary_on_headers("HX-Request", "Cookie")
def qa_list(request):
    """Every 参考Q&A entry the visitor may read: members see their sections' entries and
    every published one; everyone else sees the published ones, without names."""
    user = request.user
    tag = parse_filters(request.GET)["tag"]
    section_slug = request.GET.get("section", "")[:60]
    sections = selectors.entry_sections(user=user)
    section = next((s for s in sections if s.slug == section_slug), None)
    entries = selectors.entry_list(user=user, section=section, tag=tag)
    q = (request.GET.get("q") or "")[:200].strip()
    if q:  # search: visitors find published entries only (search.selectors.visible)
        entries = entries.filter(
            pk__in=search_selectors.matching_ids(user=user, q=q, kinds=[search_docs.ENTRY])
        )
    page = Paginator(entries, selectors.ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    query = urlencode(
        {
            k: v
            for k, v in (("q", q), ("section", section.slug if section else ""), ("tag", tag))
            if v
        }
    )
    context = {
        "page": page,
        "tag": tag,
        "q": q,
        "sections": sections,
        "current_section": section,
        "tags": selectors.entry_tags(user=user),
        "query": query,
        "member_view": _is_member(request),
    }
    template = "discussions/qa_list.html#results" if request.htmx else "discussions/qa_list.html"
    return render(request, template, context)


@public
@require_GET
@vary_on_headers("Cookie")
def qa_entry(request, entry_id: int):
    entry = selectors.entry_get(entry_id=entry_id, user=request.user)
    member_view = _is_member(request)
    context = {
        "entry": entry,
        "member_view": member_view,
        "sources": selectors.entry_sources(entry=entry, user=request.user),
        "may_curate": member_view
        and selectors.may_curate(user=request.user, section=entry.section),
        "may_publish": selectors.may_publish(user=request.user),
    }
    return render(request, "discussions/qa_entry.html", context)


def _curated_entry(request, entry_id: int) -> Entry:
    entry = selectors.entry_get(entry_id=entry_id, user=request.user)
    if not selectors.may_curate(user=request.user, section=entry.section):
        raise Http404("参考Q&Aを編集できるのは課長と事務局だけです。")
    return entry


@member
@vary_on_headers("HX-Request")
def qa_edit(request, entry_id: int):
    entry = _curated_entry(request, entry_id)
    initial = {
        "title": entry.title,
        "question": entry.question,
        "answer": entry.answer,
        "tags": ", ".join(t.name for t in entry.tags.all()),
    }
    form = EntryForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.entry_update(entry_id=entry.pk, actor=request.user, **form.cleaned_data)
            except ServiceError as exc:
                form.add_error(None, exc.message)
                status = refusals.status_of(exc)
            else:
                messages.success(request, "参考Q&Aを更新しました。")
                return _redirect(request, entry.get_absolute_url())
    membership = selectors.membership_of(section=entry.section, user=request.user)
    context = {
        **_section_context(request, entry.section, membership, "qa"),
        "form": form,
        "entry": entry,
        "back": entry.get_absolute_url(),
    }
    return _entry_form_response(request, context, status)


@member
def qa_publish(request, entry_id: int):
    """Publishing is deliberate: the page shows exactly what the public will see, and
    only a POST with the confirmation publishes."""
    entry = selectors.entry_get(entry_id=entry_id, user=request.user)
    if not selectors.may_publish(user=request.user):
        raise Http404("参考Q&Aを公開できるのは事務局だけです。")
    if request.method == "POST":
        if request.POST.get("confirm") != "1":
            messages.error(request, "公開する内容を確認して「公開する」を押してください。")
            return render(request, "discussions/qa_publish.html", {"entry": entry}, status=422)
        services.entry_publish(entry_id=entry.pk, actor=request.user)
        messages.success(request, "参考Q&Aを一般公開しました。/qa/ で誰でも読めます。")
        return redirect(entry.get_absolute_url())
    return render(request, "discussions/qa_publish.html", {"entry": entry})


@member
@require_POST
def qa_unpublish(request, entry_id: int):
    entry = selectors.entry_get(entry_id=entry_id, user=request.user)
    try:
        services.entry_unpublish(entry_id=entry.pk, actor=request.user)
    except ServiceError as exc:
        return refusals.refuse(request, exc)
    messages.success(request, "一般公開をやめました。会員だけが読めます。")
    return redirect(entry.get_absolute_url())
