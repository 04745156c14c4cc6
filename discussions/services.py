"""Writes for discussions: topics, replies, answers, notes, 参考Q&A, reading settings.

Every write is here, keyword-only, in its own transaction, so that the apps built on top
(search indexing, notifications, moderation) add one call each in the same transaction.
A rule that says no raises `DiscussionError` (a `core.errors.ServiceError`) with a
Japanese message and changes nothing. Who may read or post is asked of
`discussions.selectors` (the one home of those rules).

Locks: a reply, an answer mark, a delete and a hide lock the topic row first (post
numbers and the reply count are kept under it); edits lock the post row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Replace
from django.utils import timezone

from accounts.models import User
from core import uploads
from core.errors import ServiceError
from sections.models import Meeting, Section, SectionMembership

from . import notifying, search_docs, selectors, text
from .models import (
    BODY_MAX,
    TITLE_MAX,
    AnswerMark,
    Attachment,
    Entry,
    HiddenReason,
    MeetingScribe,
    Mention,
    Post,
    PostRevision,
    SectionSetting,
    Tag,
    Topic,
)

ATTACHMENTS_MAX = 5


class DiscussionError(ServiceError):
    """A discussion rule said no. Codes: forbidden, not_found, invalid, rate_limited,
    locked."""


@dataclass
class PostResult:
    """The post written, and what the author should be told (e.g. a mention that did
    nothing because that member may not read the topic)."""

    post: Post
    warnings: list[str] = field(default_factory=list)

    @property
    def topic(self) -> Topic:
        return self.post.topic


# --- Shared checks ------------------------------------------------------------------------


def _check_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise DiscussionError("題名を入力してください。")
    if len(title) > TITLE_MAX:
        raise DiscussionError(f"題名は{TITLE_MAX}文字以内にしてください。")
    return title


def _check_body(body: str, *, label: str = "本文") -> str:
    body = (body or "").strip()
    if not body:
        raise DiscussionError(f"{label}を入力してください。")
    if len(body) > BODY_MAX:
        raise DiscussionError(f"{label}は{BODY_MAX:,}文字以内にしてください。")
    return body


def _check_tags(tags: str | Iterable[str]) -> list[str]:
    try:
        return text.parse_tags(tags)
    except text.TagError as exc:
        raise DiscussionError(str(exc)) from exc


def _tag_rows(names: list[str]) -> list[Tag]:
    rows = []
    for name in names:
        tag = Tag.objects.filter(name__iexact=name).first() if name.isascii() else None
        if tag is None:
            tag, _ = Tag.objects.get_or_create(name=name)
        rows.append(tag)
    return rows


def _check_files(files: Sequence[Any]) -> list[tuple[Any, uploads.CheckedUpload]]:
    files = [f for f in files if f]
    if len(files) > ATTACHMENTS_MAX:
        raise DiscussionError(f"添付できるファイルは1回の投稿につき{ATTACHMENTS_MAX}個までです。")
    checked = []
    for upload in files:
        try:
            checked.append((upload, uploads.check_upload(upload)))
        except ValidationError as exc:
            raise DiscussionError(" ".join(exc.messages)) from exc
    return checked


def _save_files(post: Post, checked: list[tuple[Any, uploads.CheckedUpload]], now) -> None:
    for upload, info in checked:
        attachment = Attachment(
            post=post,
            original_name=info.original_name,
            kind=info.kind,
            content_type=info.content_type,
            size=info.size,
            created_at=now,
        )
        upload.seek(0)
        attachment.file.save(uploads.stored_name(info.extension), File(upload), save=False)
        attachment.save()


def _require_posting(user, section: Section, membership) -> None:
    refusal = selectors.posting_refusal(user=user, section=section, membership=membership)
    if refusal:
        raise DiscussionError(refusal, "forbidden")


def _require_rate(user, now: datetime) -> None:
    refusal = selectors.rate_limit_refusal(user=user, now=now)
    if refusal:
        raise DiscussionError(refusal, "rate_limited")


def _lock_topic(topic_id: int) -> Topic:
    topic = (
        Topic.objects.select_for_update(of=("self",))
        .select_related("section", "section__discussion_setting")
        .filter(pk=topic_id)
        .first()
    )
    if topic is None:
        raise DiscussionError("話題が見つかりません。", "not_found")
    return topic


def _topic_then_post(post_id: int) -> tuple[Topic, Post]:
    """Lock order: the topic, then the post."""
    topic_id = Post.objects.filter(pk=post_id).values_list("topic_id", flat=True).first()
    if topic_id is None:
        raise DiscussionError("投稿が見つかりません。", "not_found")
    topic = _lock_topic(topic_id)
    post = _lock_post(post_id)
    post.topic = topic
    return topic, post


def _lock_post(post_id: int) -> Post:
    post = (
        Post.objects.select_for_update(of=("self",))
        .select_related("topic", "topic__section", "topic__section__discussion_setting")
        .filter(pk=post_id)
        .first()
    )
    if post is None:
        raise DiscussionError("投稿が見つかりません。", "not_found")
    return post


def _membership(section: Section, user) -> SectionMembership | None:
    return selectors.membership_of(section=section, user=user)


def _section(section_id: int) -> Section:
    section = Section.objects.select_related("discussion_setting").filter(pk=section_id).first()
    if section is None:
        raise DiscussionError("課が見つかりません。", "not_found")
    return section


# --- Mentions -----------------------------------------------------------------------------


def _active_people():
    return User.objects.filter(is_active=True).filter(
        Q(status=User.Status.APPROVED) | Q(is_staff=True)
    )


def _resolve_mentions(
    *, topic: Topic, body: str, author
) -> tuple[list[tuple[str, User]], list[str]]:
    """(written name, member) for each @[氏名] that names exactly one member who may read
    the topic; and a warning for each that does nothing."""
    written = text.mentions_in(body)
    warnings: list[str] = []
    if len(written) > text.MENTIONS_MAX:
        warnings.append(
            f"メンションは1回の投稿につき{text.MENTIONS_MAX}人までです。以降の名前はお知らせしていません。"
        )
        written = written[: text.MENTIONS_MAX]
    if not written:
        return [], warnings
    keys = {text.compact_name(name): name for name in written}
    compact = Replace(
        Replace(Replace("full_name", Value(" "), Value("")), Value("\u3000"), Value("")),
        Value("\t"),
        Value(""),
    )
    candidates = list(
        _active_people().annotate(compact=compact).filter(compact__in=list(keys)).order_by("id")
    )
    participants = set(Post.objects.filter(topic=topic).values_list("author_id", flat=True))
    section_members = set(
        SectionMembership.objects.filter(
            section=topic.section, user__in=[c.pk for c in candidates]
        ).values_list("user_id", flat=True)
    )
    resolved: list[tuple[str, User]] = []
    for key, name in keys.items():
        found = [c for c in candidates if c.compact == key]
        for tier in (participants, section_members):
            narrowed = [c for c in found if c.pk in tier]
            if narrowed:
                found = narrowed
                break
        if not found:
            warnings.append(f"「@[{name}]」という会員が見つからないため、お知らせしていません。")
            continue
        if len(found) > 1:
            warnings.append(f"「@[{name}]」という名前の会員が複数いるため、お知らせしていません。")
            continue
        person = found[0]
        if person.pk == getattr(author, "pk", None):
            continue
        if not selectors.may_read_topic(user=person, topic=topic):
            warnings.append(
                f"{name}さんはこの話題を読めないため、メンションしてもお知らせされません。"
            )
            continue
        resolved.append((name, person))
    return resolved, warnings


def _record_mentions(post: Post, resolved: list[tuple[str, User]], now) -> list[User]:
    """Mention rows for the newly mentioned; returns them (already mentioned: nothing)."""
    existing = set(Mention.objects.filter(post=post).values_list("user_id", flat=True))
    new = [(name, person) for name, person in resolved if person.pk not in existing]
    Mention.objects.bulk_create(
        [Mention(post=post, user=person, written=name, created_at=now) for name, person in new]
    )
    return [person for _, person in new]


def _write_body(post: Post, body: str, author, now, *, event: str | None = None) -> list[str]:
    """Set the body, its HTML and its mentions, and notify (in this transaction): a new
    topic (`event="topic"`) or reply ("reply") reaches the watchers; an edit (None) only
    the newly mentioned. Returns the warnings."""
    resolved, warnings = _resolve_mentions(topic=post.topic, body=body, author=author)
    post.body = body
    post.body_html = text.render_body(body, mentioned=[name for name, _ in resolved])
    post.save()
    new = _record_mentions(post, resolved, now)
    notifying.post_written(post=post, mentioned=new, actor=author, event=event, now=now)
    return warnings


# --- Topics -------------------------------------------------------------------------------


@transaction.atomic
def topic_create(
    *,
    section_id: int,
    author,
    kind: str,
    title: str,
    body: str,
    tags: str | Iterable[str] = "",
    files: Sequence[Any] = (),
    meeting: Meeting | None = None,
    now: datetime | None = None,
) -> PostResult:
    """A new topic and its opening post (number 1)."""
    now = now or timezone.now()
    section = _section(section_id)
    _require_posting(author, section, _membership(section, author))
    if kind not in Topic.Kind.values:
        raise DiscussionError("種類を選んでください。")
    title, body = _check_title(title), _check_body(body)
    tag_names = _check_tags(tags)
    checked = _check_files(files)
    _require_rate(author, now)
    topic = Topic.objects.create(
        section=section,
        kind=kind,
        title=title,
        author=author,
        meeting=meeting,
        created_at=now,
        last_activity_at=now,
    )
    topic.tags.set(_tag_rows(tag_names))
    post = Post(topic=topic, number=1, author=author, created_at=now)
    warnings = _write_body(post, body, author, now, event="topic")
    _save_files(post, checked, now)
    search_docs.index_topic(topic.pk)  # search
    return PostResult(post, warnings)


@transaction.atomic
def topic_update(
    *,
    topic_id: int,
    actor,
    title: str,
    body: str,
    kind: str | None = None,
    tags: str | Iterable[str] | None = None,
    now: datetime | None = None,
) -> PostResult:
    """The author edits the title, kind, tags and opening post; the earlier version is
    kept (PostRevision) and the post shows 編集済み."""
    now = now or timezone.now()
    topic = _lock_topic(topic_id)
    post = _lock_post(Post.objects.get(topic=topic, number=1).pk)
    post.topic = topic
    if not selectors.may_edit_post(user=actor, post=post) or not selectors.may_read_topic(
        user=actor, topic=topic
    ):
        raise DiscussionError("この話題を編集できるのは投稿した本人だけです。", "forbidden")
    title, body = _check_title(title), _check_body(body)
    if kind is not None and kind != topic.kind:
        if kind not in Topic.Kind.values:
            raise DiscussionError("種類を選んでください。")
        if topic.answer_id is not None:
            raise DiscussionError(
                "ベストアンサーが選ばれている質問は種類を変えられません。先に選択を解除してください。"
            )
        if topic.meeting_id is not None:
            raise DiscussionError("議事メモの種類は変えられません。")
    tag_names = _check_tags(tags) if tags is not None else None
    changed = title != topic.title or body != post.body
    if changed:
        PostRevision.objects.create(
            post=post, title=topic.title, body=post.body, edited_by=actor, created_at=now
        )
        post.edited_at = now
    topic.title = title
    if kind is not None:
        topic.kind = kind
    topic.save()
    if tag_names is not None:
        topic.tags.set(_tag_rows(tag_names))
    warnings = _write_body(post, body, actor, now) if changed else []
    search_docs.index_topic(topic.pk)  # search
    return PostResult(post, warnings)


@transaction.atomic
def topic_delete(*, topic_id: int, actor, now: datetime | None = None) -> Topic:
    """Heads, deputies and staff delete a topic; its author may while nobody else has
    replied. A deleted topic leaves every list and its page answers 404."""
    topic = _lock_topic(topic_id)
    if not selectors.may_read_topic(user=actor, topic=topic) or not selectors.may_delete_topic(
        user=actor, topic=topic
    ):
        if topic.author_id == getattr(actor, "pk", None) and topic.deleted_at is None:
            raise DiscussionError(
                "ほかの会員が返信した話題は削除できません。最初の投稿だけを削除できます。",
                "forbidden",
            )
        raise DiscussionError("この話題は削除できません。", "forbidden")
    topic.deleted_at = now or timezone.now()
    topic.deleted_by = actor
    topic.save(update_fields=["deleted_at", "deleted_by"])
    search_docs.unindex_topic(topic.pk)  # search
    notifying.topic_withdrawn(topic)
    return topic


@transaction.atomic
def topic_set_locked(*, topic_id: int, actor, locked: bool, now: datetime | None = None) -> Topic:
    """Heads, deputies and staff close a topic to replies (and open it again)."""
    topic = _lock_topic(topic_id)
    if not selectors.may_read_topic(user=actor, topic=topic) or not selectors.is_manager(
        user=actor, section=topic.section
    ):
        raise DiscussionError("返信の締め切りは課長・課長補佐だけができます。", "forbidden")
    topic.locked_at = (now or timezone.now()) if locked else None
    topic.locked_by = actor if locked else None
    topic.save(update_fields=["locked_at", "locked_by"])
    return topic


# --- Replies and posts --------------------------------------------------------------------


@transaction.atomic
def reply_create(
    *,
    topic_id: int,
    author,
    body: str,
    quote_id: int | None = None,
    files: Sequence[Any] = (),
    now: datetime | None = None,
) -> PostResult:
    """A reply at the end of the thread (the next number), optionally quoting a post of
    the same topic that the author may read."""
    now = now or timezone.now()
    topic = _lock_topic(topic_id)
    refusal = selectors.reply_refusal(user=author, topic=topic)
    if refusal:
        code = "locked" if topic.locked_at else "forbidden"
        raise DiscussionError(refusal, code)
    body = _check_body(body)
    quote = None
    if quote_id:
        quote = Post.objects.filter(pk=quote_id, topic=topic).first()
        if quote is not None:
            quote.topic = topic
        if quote is None or not selectors.may_read_post(user=author, post=quote):
            raise DiscussionError("引用する投稿が見つかりません。", "not_found")
    checked = _check_files(files)
    _require_rate(author, now)
    topic.last_number += 1
    topic.reply_count += 1
    topic.last_activity_at = now
    topic.save(update_fields=["last_number", "reply_count", "last_activity_at"])
    post = Post(topic=topic, number=topic.last_number, author=author, quote=quote, created_at=now)
    warnings = _write_body(post, body, author, now, event="reply")
    _save_files(post, checked, now)
    search_docs.index_post(post)  # search
    return PostResult(post, warnings)


@transaction.atomic
def post_update(*, post_id: int, actor, body: str, now: datetime | None = None) -> PostResult:
    """The author edits a post's body (for the opening post's title use topic_update)."""
    now = now or timezone.now()
    _, post = _topic_then_post(post_id)
    if not selectors.may_read_topic(user=actor, topic=post.topic) or not selectors.may_edit_post(
        user=actor, post=post
    ):
        raise DiscussionError("この投稿を編集できるのは投稿した本人だけです。", "forbidden")
    body = _check_body(body)
    if body == post.body:
        return PostResult(post, [])
    PostRevision.objects.create(
        post=post,
        title=post.topic.title if post.is_opening else "",
        body=post.body,
        edited_by=actor,
        created_at=now,
    )
    post.edited_at = now
    warnings = _write_body(post, body, actor, now)
    search_docs.index_post(post)  # search
    return PostResult(post, warnings)


def _counted(post: Post) -> bool:
    """Does this post count in its topic's reply_count?"""
    return post.number > 1 and post.deleted_at is None and post.hidden_at is None


def _unmark_answer(topic: Topic, actor, now) -> None:
    topic.answer = None
    topic.answered_at = None
    topic.save(update_fields=["answer", "answered_at"])
    AnswerMark.objects.create(
        topic=topic, post=None, action=AnswerMark.Action.UNMARK, actor=actor, created_at=now
    )


@transaction.atomic
def post_delete(*, post_id: int, actor, now: datetime | None = None) -> Post:
    """The author (or a head, deputy or staff) deletes a post: it stays in its place as
    「この投稿は削除されました」, without its body or files. Deleting the accepted answer
    undoes the mark (recorded)."""
    now = now or timezone.now()
    topic, post = _topic_then_post(post_id)
    if not selectors.may_read_topic(user=actor, topic=topic) or not selectors.may_delete_post(
        user=actor, post=post
    ):
        raise DiscussionError("この投稿は削除できません。", "forbidden")
    if _counted(post):
        Topic.objects.filter(pk=topic.pk).update(reply_count=F("reply_count") - 1)
        topic.refresh_from_db(fields=["reply_count"])
    if topic.answer_id == post.pk:
        _unmark_answer(topic, actor, now)
    post.deleted_at = now
    post.deleted_by = actor
    post.save(update_fields=["deleted_at", "deleted_by"])
    search_docs.index_post(post)  # search
    search_docs.index_topic(topic.pk)  # search (the answer may have gone)
    notifying.post_withdrawn(post, keep_author=False)
    return post


@transaction.atomic
def post_set_hidden(*, post_id: int, reason: str, actor=None, now: datetime | None = None) -> Post:
    """Hide a post (the moderation app calls this). It disappears from lists and threads
    for everyone but its author, who sees it marked hidden with `reason`; its files stop
    being served. Hiding the opening post hides the topic. Idempotent."""
    if reason not in HiddenReason.values:
        raise DiscussionError("非表示の理由が正しくありません。")
    now = now or timezone.now()
    topic, post = _topic_then_post(post_id)
    if post.hidden_at is not None:
        if post.hidden_reason != reason:
            post.hidden_reason = reason
            post.save(update_fields=["hidden_reason"])
        return post
    if _counted(post):
        Topic.objects.filter(pk=topic.pk).update(reply_count=F("reply_count") - 1)
    post.hidden_at, post.hidden_reason = now, reason
    post.save(update_fields=["hidden_at", "hidden_reason"])
    if post.is_opening:
        Topic.objects.filter(pk=topic.pk).update(hidden_at=now, hidden_reason=reason)
    search_docs.index_visibility(post)  # search
    notifying.post_withdrawn(post, keep_author=True)
    return post


@transaction.atomic
def post_set_visible(*, post_id: int, actor=None) -> Post:
    """Undo `post_set_hidden` (e.g. a moderator decided 問題なし). Idempotent."""
    topic, post = _topic_then_post(post_id)
    if post.hidden_at is None:
        return post
    post.hidden_at, post.hidden_reason = None, ""
    post.save(update_fields=["hidden_at", "hidden_reason"])
    if _counted(post):
        Topic.objects.filter(pk=topic.pk).update(reply_count=F("reply_count") + 1)
    if post.is_opening:
        Topic.objects.filter(pk=topic.pk).update(hidden_at=None, hidden_reason="")
    search_docs.index_visibility(post)  # search
    notifying.post_restored(post)
    return post


@transaction.atomic
def post_remove(*, post_id: int, actor, now: datetime | None = None) -> Post:
    """Moderation's 削除: a reply is deleted as by `post_delete` (it stays as
    「この投稿は削除されました」); an opening post takes its topic with it. Hidden posts
    too (moderators decide about what nobody else reads); the caller (moderation) has
    checked the authority. Idempotent."""
    now = now or timezone.now()
    topic, post = _topic_then_post(post_id)
    if post.deleted_at is None:
        if _counted(post):
            Topic.objects.filter(pk=topic.pk).update(reply_count=F("reply_count") - 1)
            topic.refresh_from_db(fields=["reply_count"])
        if topic.answer_id == post.pk:
            _unmark_answer(topic, actor, now)
        post.deleted_at, post.deleted_by = now, actor
        post.save(update_fields=["deleted_at", "deleted_by"])
    if post.is_opening and topic.deleted_at is None:
        topic.deleted_at, topic.deleted_by = now, actor
        topic.save(update_fields=["deleted_at", "deleted_by"])
    if post.is_opening:
        search_docs.unindex_topic(topic.pk)  # search
        notifying.topic_withdrawn(topic)
    else:
        search_docs.index_post(post)  # search
        search_docs.index_topic(topic.pk)  # search (the answer may have gone)
        notifying.post_withdrawn(post, keep_author=False)
    return post


@transaction.atomic
def post_redact(*, post_id: int, actor, body: str, now: datetime | None = None) -> Post:
    """Moderation's 編集して一部を伏せる (staff): the post's body is replaced by `body`
    (the original is kept as a PostRevision, which only staff read, in the admin), the
    post shows 編集済み, and a hidden post becomes visible again."""
    now = now or timezone.now()
    body = _check_body(body)
    topic, post = _topic_then_post(post_id)
    if post.deleted_at is not None:
        raise DiscussionError("削除された投稿は編集できません。", "not_found")
    if body != post.body:
        PostRevision.objects.create(
            post=post,
            title=topic.title if post.is_opening else "",
            body=post.body,
            edited_by=actor,
            created_at=now,
        )
        post.edited_at = now
        post.body = body
        post.body_html = text.render_body(body)
        post.save(update_fields=["body", "body_html", "edited_at"])
        search_docs.index_post(post)  # search: only the redacted text stays findable
    return post


# --- Answers ------------------------------------------------------------------------------


@transaction.atomic
def answer_mark(*, topic_id: int, post_id: int, actor, now: datetime | None = None) -> Topic:
    """Mark a reply as the accepted answer (ベストアンサー): the asker, a head or deputy
    of the section, or staff. Marking another reply replaces it; each change is
    recorded (AnswerMark)."""
    now = now or timezone.now()
    topic = _lock_topic(topic_id)
    if not selectors.may_read_topic(user=actor, topic=topic):
        raise DiscussionError("話題が見つかりません。", "not_found")
    if not topic.is_question:
        raise DiscussionError("ベストアンサーを選べるのは質問・相談の話題だけです。")
    if not selectors.may_mark_answer(user=actor, topic=topic):
        raise DiscussionError(
            "ベストアンサーを選べるのは質問した人と、課長・課長補佐、事務局だけです。", "forbidden"
        )
    post = Post.objects.filter(pk=post_id, topic=topic).first()
    if post is None or post.number == 1:
        raise DiscussionError("その返信は見つかりません。", "not_found")
    if post.deleted_at is not None or post.hidden_at is not None:
        raise DiscussionError("削除・非表示になった返信はベストアンサーにできません。")
    if topic.answer_id == post.pk:
        return topic
    topic.answer = post
    topic.answered_at = now
    topic.save(update_fields=["answer", "answered_at"])
    AnswerMark.objects.create(
        topic=topic, post=post, action=AnswerMark.Action.MARK, actor=actor, created_at=now
    )
    search_docs.index_topic(topic.pk)  # search
    notifying.answer_marked(topic=topic, post=post, actor=actor, now=now)
    return topic


@transaction.atomic
def answer_unmark(*, topic_id: int, actor, now: datetime | None = None) -> Topic:
    now = now or timezone.now()
    topic = _lock_topic(topic_id)
    if not selectors.may_read_topic(user=actor, topic=topic):
        raise DiscussionError("話題が見つかりません。", "not_found")
    if not selectors.may_mark_answer(user=actor, topic=topic):
        raise DiscussionError(
            "ベストアンサーを解除できるのは質問した人と、課長・課長補佐、事務局だけです。",
            "forbidden",
        )
    if topic.answer_id is not None:
        _unmark_answer(topic, actor, now)
        search_docs.index_topic(topic.pk)  # search
    return topic


# --- Reading setting ----------------------------------------------------------------------


@transaction.atomic
def section_reading_set(*, section_id: int, actor, reading: str) -> SectionSetting:
    """課長 or staff set who reads the section's topics (会員に公開 / 課員のみ)."""
    if reading not in SectionSetting.Reading.values:
        raise DiscussionError("公開範囲を選んでください。")
    section = Section.objects.select_for_update(of=("self",)).filter(pk=section_id).first()
    if section is None:
        raise DiscussionError("課が見つかりません。", "not_found")
    if not selectors.is_head(user=actor, section=section):
        raise DiscussionError("話題の公開範囲を変えられるのは課長と事務局だけです。", "forbidden")
    setting, _ = SectionSetting.objects.select_for_update().get_or_create(section=section)
    changed = setting.reading != reading
    setting.reading = reading
    setting.updated_by = actor
    setting.updated_at = timezone.now()
    setting.save()
    search_docs.reading_changed(section.pk, reading)  # search
    if changed:
        notifying.reading_changed(section, reading)
    return setting


# --- Meeting notes (議事メモ) -------------------------------------------------------------


def _meeting(meeting_id: int) -> Meeting:
    meeting = (
        Meeting.objects.select_related("event", "section", "section__discussion_setting")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        raise DiscussionError("情報交換会が見つかりません。", "not_found")
    return meeting


@transaction.atomic
def meeting_scribe_set(*, meeting_id: int, actor, user_id: int | None) -> MeetingScribe | None:
    """The head names a member of the section as the meeting's 書記 (or nobody)."""
    meeting = _meeting(meeting_id)
    if not selectors.is_head(user=actor, section=meeting.section):
        raise DiscussionError("書記を決められるのは課長と事務局だけです。", "forbidden")
    if user_id is None:
        MeetingScribe.objects.filter(meeting=meeting).delete()
        return None
    member = (
        SectionMembership.objects.filter(section=meeting.section, user__pk=user_id)
        .select_related("user")
        .first()
    )
    if member is None or not member.user.is_member:
        raise DiscussionError("書記はこの課のメンバーから選んでください。", "not_found")
    scribe, _ = MeetingScribe.objects.update_or_create(
        meeting=meeting, defaults={"user": member.user, "named_by": actor}
    )
    return scribe


def notes_title(meeting: Meeting) -> str:
    from core.jst import JST

    day = meeting.event.starts_at.astimezone(JST)
    return f"議事メモ：{meeting.event.title}（{day:%Y年%-m月%-d日}）"[:TITLE_MAX]


@transaction.atomic
def meeting_notes_save(
    *,
    meeting_id: int,
    actor,
    body: str,
    title: str = "",
    files: Sequence[Any] = (),
    now: datetime | None = None,
) -> PostResult:
    """The head or the 書記 writes the notes of a meeting that has started: a 共有・話題
    topic linked to the meeting (created the first time, edited after that, with its
    history)."""
    now = now or timezone.now()
    meeting = _meeting(meeting_id)
    if not selectors.may_write_notes(user=actor, meeting=meeting, now=now):
        if meeting.event.starts_at > now and not meeting.event.is_cancelled:
            raise DiscussionError("議事メモは会が始まってから書けます。", "forbidden")
        raise DiscussionError("議事メモを書けるのは課長と書記だけです。", "forbidden")
    body = _check_body(body, label="議事メモ")
    title = _check_title(title or notes_title(meeting))
    existing = Topic.objects.select_for_update(of=("self",)).filter(meeting=meeting).first()
    if existing is not None and existing.deleted_at is None:
        post = _lock_post(Post.objects.get(topic=existing, number=1).pk)
        post.topic = existing
        warnings: list[str] = []
        if body != post.body or title != existing.title:
            PostRevision.objects.create(
                post=post, title=existing.title, body=post.body, edited_by=actor, created_at=now
            )
            post.edited_at = now
            existing.title = title
            existing.save(update_fields=["title"])
            warnings = _write_body(post, body, actor, now)
        _save_files(post, _check_files(files), now)
        search_docs.index_topic(existing.pk)  # search
        return PostResult(post, warnings)
    if existing is not None:  # deleted notes: a new topic takes the meeting over
        existing.meeting = None
        existing.save(update_fields=["meeting"])
    _require_rate(actor, now)
    topic = Topic.objects.create(
        section=meeting.section,
        kind=Topic.Kind.SHARE,
        title=title,
        author=actor,
        meeting=meeting,
        created_at=now,
        last_activity_at=now,
    )
    topic.tags.set(_tag_rows(["議事メモ"]))
    post = Post(topic=topic, number=1, author=actor, created_at=now)
    warnings = _write_body(post, body, actor, now, event="topic")
    _save_files(post, _check_files(files), now)
    search_docs.index_topic(topic.pk)  # search
    return PostResult(post, warnings)


# --- 参考Q&A ------------------------------------------------------------------------------


def _entry_fields(title: str, question: str, answer: str) -> tuple[str, str, str]:
    title = _check_title(title)
    question = (question or "").strip()
    if len(question) > BODY_MAX:
        raise DiscussionError(f"質問の詳細は{BODY_MAX:,}文字以内にしてください。")
    answer = _check_body(answer, label="回答")
    return title, question, answer


def _render_entry(entry: Entry) -> None:
    entry.question_html = text.render_body(entry.question, public=True) if entry.question else ""
    entry.answer_html = text.render_body(entry.answer, public=True)


@transaction.atomic
def entry_create(
    *,
    section_id: int,
    actor,
    title: str,
    question: str,
    answer: str,
    tags: str | Iterable[str] = "",
    source_topic_ids: Iterable[int] = (),
    source_meeting_ids: Iterable[int] = (),
    now: datetime | None = None,
) -> Entry:
    """課長 or staff add a 参考Q&A entry to the section, from its topics and/or meetings
    (sources must be the section's own, and readable)."""
    now = now or timezone.now()
    section = _section(section_id)
    if not selectors.may_curate(user=actor, section=section):
        raise DiscussionError("参考Q&Aを作れるのは課長と事務局だけです。", "forbidden")
    title, question, answer = _entry_fields(title, question, answer)
    tag_names = _check_tags(tags)
    topic_ids = sorted({int(i) for i in source_topic_ids})
    topics = list(
        selectors.readable_topics(actor, Topic.objects.filter(section=section, pk__in=topic_ids))
    )
    meeting_ids = sorted({int(i) for i in source_meeting_ids})
    meetings = list(Meeting.objects.filter(section=section, pk__in=meeting_ids))
    if len(topics) != len(topic_ids) or len(meetings) != len(meeting_ids):
        raise DiscussionError("元の話題・情報交換会が見つかりません。", "not_found")
    entry = Entry(
        section=section,
        title=title,
        question=question,
        answer=answer,
        created_by=actor,
        created_at=now,
        updated_by=actor,
        updated_at=now,
    )
    _render_entry(entry)
    entry.save()
    entry.tags.set(_tag_rows(tag_names))
    entry.source_topics.set(topics)
    entry.source_meetings.set(meetings)
    search_docs.index_entry(entry.pk)  # search
    return entry


def _lock_entry(entry_id: int) -> Entry:
    entry = (
        Entry.objects.select_for_update(of=("self",))
        .select_related("section", "section__discussion_setting")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None:
        raise DiscussionError("参考Q&Aが見つかりません。", "not_found")
    return entry


@transaction.atomic
def entry_update(
    *,
    entry_id: int,
    actor,
    title: str,
    question: str,
    answer: str,
    tags: str | Iterable[str] | None = None,
    now: datetime | None = None,
) -> Entry:
    entry = _lock_entry(entry_id)
    if not selectors.may_curate(user=actor, section=entry.section):
        raise DiscussionError("参考Q&Aを編集できるのは課長と事務局だけです。", "forbidden")
    entry.title, entry.question, entry.answer = _entry_fields(title, question, answer)
    tag_names = _check_tags(tags) if tags is not None else None
    entry.updated_by = actor
    entry.updated_at = now or timezone.now()
    _render_entry(entry)
    entry.save()
    if tag_names is not None:
        entry.tags.set(_tag_rows(tag_names))
    search_docs.index_entry(entry.pk)  # search
    return entry


@transaction.atomic
def entry_publish(*, entry_id: int, actor, now: datetime | None = None) -> Entry:
    """Staff publish an entry (公開): anyone may read it at /qa/, without names."""
    entry = _lock_entry(entry_id)
    if not selectors.may_publish(user=actor):
        raise DiscussionError("参考Q&Aを公開できるのは事務局だけです。", "forbidden")
    if entry.published_at is None:
        entry.published_at = now or timezone.now()
        entry.published_by = actor
        entry.save(update_fields=["published_at", "published_by"])
        search_docs.index_entry(entry.pk)  # search
    return entry


@transaction.atomic
def entry_unpublish(*, entry_id: int, actor) -> Entry:
    entry = _lock_entry(entry_id)
    if not selectors.may_publish(user=actor):
        raise DiscussionError("公開をやめられるのは事務局だけです。", "forbidden")
    if entry.published_at is not None:
        entry.published_at = None
        entry.published_by = None
        entry.save(update_fields=["published_at", "published_by"])
        search_docs.index_entry(entry.pk)  # search
    return entry


# --- Withdrawal (退庁) --------------------------------------------------------------------


def personal_data_erase(*, user, emails: list[str]) -> None:
    """discussions' part of withdrawal. The member's posts stay, attributed to
    「退庁した会員」 (selectors.author_label); nothing else of them is left: their name
    and addresses are scrubbed from the texts (posts, earlier versions, titles, entries),
    their @[氏名] in others' posts becomes @[退庁した会員], their mention records and
    書記 appointments go, and their files lose the uploaded names."""
    label = selectors.WITHDRAWN_LABEL
    name = (user.full_name or "").strip()
    needles = [name, text.compact_name(name), (user.full_name_kana or "").strip(), *emails]
    needles = [n for n in needles if n and n != label and len(n) >= 2]
    mentions = list(Mention.objects.filter(user=user).select_related("post"))
    written = {m.written for m in mentions}
    tokens = [f"@[{w}]" for w in written]

    def clean(value: str) -> str:
        value = text.scrub(value, tokens, f"@[{label}]")
        return text.scrub(value, needles, label)

    touched_posts = {m.post_id for m in mentions}
    if needles:
        query = Q()
        for needle in needles:
            query |= Q(body__contains=needle)
        touched_posts |= set(Post.objects.filter(query).values_list("pk", flat=True))
    Mention.objects.filter(user=user).delete()
    for post in Post.objects.filter(pk__in=touched_posts):
        post.body = clean(post.body)
        names = list(post.mentions.values_list("written", flat=True))
        post.body_html = text.render_body(post.body, mentioned=names)
        post.save(update_fields=["body", "body_html"])
    revision_query = Q(post_id__in=touched_posts)
    for needle in needles:
        revision_query |= Q(body__contains=needle) | Q(title__contains=needle)
    for revision in PostRevision.objects.filter(revision_query):
        revision.body, revision.title = clean(revision.body), clean(revision.title)
        revision.save(update_fields=["body", "title"])
    if needles:
        title_query = Q()
        entry_query = Q()
        for needle in needles:
            title_query |= Q(title__contains=needle)
            entry_query |= (
                Q(title__contains=needle)
                | Q(question__contains=needle)
                | Q(answer__contains=needle)
            )
        for topic in Topic.objects.filter(title_query):
            topic.title = clean(topic.title)[:TITLE_MAX]
            topic.save(update_fields=["title"])
        for entry in Entry.objects.filter(entry_query):
            entry.title = clean(entry.title)[:TITLE_MAX]
            entry.question, entry.answer = clean(entry.question), clean(entry.answer)
            _render_entry(entry)
            entry.save(
                update_fields=["title", "question", "answer", "question_html", "answer_html"]
            )
        tag_query = Q()
        for needle in needles:
            tag_query |= Q(name__contains=needle)
        Tag.objects.filter(tag_query).delete()  # a tag naming them goes from every topic
    for attachment in Attachment.objects.filter(post__author=user):
        ext = uploads.extension_of(attachment.original_name)
        attachment.original_name = f"添付ファイル{attachment.pk}{ext}"
        attachment.save(update_fields=["original_name"])
    MeetingScribe.objects.filter(user=user).delete()
