"""discussions' side of notifications: the kinds it registers (who may read a post, what
an inbox line shows), the channels members watch (sections, topics), the settings page's
list and the digest's content. The services call `post_written`, `answer_marked` and the
withdraw/restore helpers in their own transactions; notifications never imports us."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse

from accounts.models import User
from notifications import registry
from notifications import selectors as notification_selectors
from notifications import services as notifications
from notifications.models import SECTION_LEVELS, TOPIC_LEVELS
from notifications.services import Recipient
from sections.models import Section, SectionMembership

from . import selectors
from .models import Post, SectionSetting, Topic

TOPIC = "discussions.topic"
REPLY = "discussions.reply"
MENTION = "discussions.mention"
ANSWER = "discussions.answer"
KINDS = (TOPIC, REPLY, MENTION, ANSWER)


def section_channel(section_id: int) -> str:
    return f"section:{section_id}"


def topic_channel(topic_id: int) -> str:
    return f"topic:{topic_id}"


# --- Kinds: what a member may read --------------------------------------------------------


def resolve(user, post_ids: list[int]) -> dict[int, registry.Target]:
    """{post id: Target} for the posts `user` may read now (one query)."""
    posts = selectors.readable_posts(user, Post.objects.filter(pk__in=post_ids)).select_related(
        "topic__section"
    )
    return {
        p.pk: registry.Target(p.topic.title, selectors.post_url(p), p.topic.section.name)
        for p in posts
    }


def readers(post_id: int, user_ids: set[int]) -> set[int]:
    """The ids among `user_ids` who may read the post now (two queries at most; the
    callers have already kept active members only)."""
    post = (
        Post.objects.select_related("topic__section__discussion_setting").filter(pk=post_id).first()
    )
    if post is None or post.deleted_at or post.topic.deleted_at or not user_ids:
        return set()
    allowed = set(user_ids)
    for hidden, author_id in (
        (post.hidden_at, post.author_id),
        (post.topic.hidden_at, post.topic.author_id),
    ):
        if hidden is not None:
            allowed &= {author_id}
    if allowed and selectors.reading_of(post.topic.section) == SectionSetting.Reading.SECTION:
        members = set(
            SectionMembership.objects.filter(
                section_id=post.topic.section_id, user_id__in=allowed
            ).values_list("user_id", flat=True)
        )
        staff = set(
            User.objects.filter(pk__in=allowed - members, is_staff=True).values_list(
                "pk", flat=True
            )
        )
        allowed &= members | staff
    return allowed


# --- Called by discussions.services -------------------------------------------------------


def _mail_context(post: Post, actor) -> dict:
    topic = post.topic
    return {
        "author_name": selectors.author_label(actor),
        "topic_title": topic.title,
        "section_name": topic.section.name,
        "url": selectors.post_url(post),
    }


def post_written(*, post: Post, mentioned: Iterable[User], actor, event: str | None, now) -> None:
    """A new topic (`event="topic"`), a reply ("reply") or an edit (None) with these newly
    mentioned members: notify them, the question's author for a reply, and the watchers.
    The author now follows the topic."""
    topic = post.topic
    recipients = [Recipient(p.pk, kind=MENTION, mail="mention") for p in mentioned]
    if event == "reply" and topic.is_question and topic.author_id:
        recipients.append(Recipient(topic.author_id, kind=REPLY, mail="reply"))
    if event is None and not recipients:
        return
    notifications.notify(
        kind=TOPIC if event == "topic" else (REPLY if event == "reply" else MENTION),
        object_id=post.pk,
        scope=section_channel(topic.section_id),
        group=topic_channel(topic.pk),
        actor=actor,
        recipients=recipients,
        watchers={"topic": "new_thread", "reply": "reply"}.get(event or ""),
        follow=event is not None,
        mail_context=_mail_context(post, actor),
        now=now,
    )


def answer_marked(*, topic: Topic, post: Post, actor, now) -> None:
    """Tell the reply's author and the asker (whoever did not mark it)."""
    post.topic = topic
    notifications.notify(
        kind=ANSWER,
        object_id=post.pk,
        scope=section_channel(topic.section_id),
        group=topic_channel(topic.pk),
        actor=actor,
        recipients=[
            Recipient(uid, mail="answer") for uid in (post.author_id, topic.author_id) if uid
        ],
        mail_context={
            **_mail_context(post, actor),
            "answer_author_name": selectors.author_label(post.author),
            "actor_name": selectors.author_label(actor),
        },
        now=now,
    )


def post_withdrawn(post: Post, *, keep_author: bool) -> None:
    """A post was deleted (keep_author=False) or hidden (its author still sees it)."""
    keep = [post.author_id] if keep_author and post.author_id else []
    notifications.notifications_withdraw(kinds=KINDS, object_ids=[post.pk], keep_user_ids=keep)
    if post.is_opening:
        topic = post.topic
        keep = [topic.author_id] if keep_author and topic.author_id else []
        notifications.notifications_withdraw(
            kinds=KINDS, group=topic_channel(topic.pk), keep_user_ids=keep
        )


def post_restored(post: Post) -> None:
    notifications.notifications_restore(kinds=KINDS, object_ids=[post.pk])
    if post.is_opening:
        notifications.notifications_restore(kinds=KINDS, group=topic_channel(post.topic_id))


def topic_withdrawn(topic: Topic) -> None:
    notifications.notifications_withdraw(kinds=KINDS, group=topic_channel(topic.pk))


def reading_changed(section: Section, reading: str) -> None:
    """会員に公開 ⇄ 課員のみ: withdraw what non-members may no longer read, or give it back."""
    scope = section_channel(section.pk)
    if reading == SectionSetting.Reading.SECTION:
        keep = set(
            SectionMembership.objects.filter(section=section).values_list("user_id", flat=True)
        )
        keep |= set(User.objects.filter(is_staff=True).values_list("pk", flat=True))
        notifications.notifications_withdraw(kinds=KINDS, scope=scope, keep_user_ids=keep)
    else:
        notifications.notifications_restore(kinds=KINDS, scope=scope)


# --- Channels: sections and topics --------------------------------------------------------


def may_watch_sections(user, ids: list[int]) -> set[int]:
    sections = Section.objects.select_related("discussion_setting").filter(pk__in=ids)
    return {s.pk for s in sections if selectors.may_read_section(user=user, section=s)}


def may_watch_topics(user, ids: list[int]) -> set[int]:
    return set(
        selectors.readable_topics(user, Topic.objects.filter(pk__in=ids)).values_list(
            "pk", flat=True
        )
    )


def my_channels(user) -> list[registry.Channel]:
    """The settings page: the member's sections, then the other sections they set a level
    for (two queries)."""
    watched = notification_selectors.watched_ids(user=user, prefix="section")
    mine = set(SectionMembership.objects.filter(user=user).values_list("section_id", flat=True))
    sections = (
        Section.objects.filter(pk__in=mine | watched)
        .select_related("department")
        .order_by("department__order", "department__name", "name")
        if (mine | watched)
        else []
    )
    return [
        registry.Channel(
            section_channel(s.pk),
            s.name,
            reverse("sections:detail", args=[s.slug]),
            s.department.name if s.pk in mine else f"{s.department.name}（参加していない課）",
        )
        for s in sections
    ]


# --- The digest ---------------------------------------------------------------------------

DIGEST_ITEMS = 5


def _ids(channels: list[str]) -> list[int]:
    return [int(c.split(":")[1]) for c in channels if c.startswith("section:")]


def digest_activity(
    channels: list[str], since: datetime, until: datetime
) -> dict[str, registry.ChannelActivity]:
    """New topics and replies per section in [since, until), visible ones only (three
    queries for any number of sections)."""
    ids = _ids(channels)
    if not ids:
        return {}
    out = {
        section_channel(s.pk): registry.ChannelActivity(
            section_channel(s.pk), s.name, reverse("discussions:topics", args=[s.slug])
        )
        for s in Section.objects.filter(pk__in=ids)
    }
    slugs = dict(Section.objects.filter(pk__in=ids).values_list("pk", "slug"))
    visible = Q(deleted_at__isnull=True, hidden_at__isnull=True)
    items: dict[str, dict[int, registry.DigestItem]] = {c: {} for c in out}
    for topic in (
        Topic.objects.filter(
            visible, section_id__in=ids, created_at__gte=since, created_at__lt=until
        )
        .only("pk", "title", "section_id")
        .order_by("-created_at")
    ):
        act = out[section_channel(topic.section_id)]
        act.new_topics += 1
        items[act.channel][topic.pk] = registry.DigestItem(
            topic.title,
            reverse("discussions:topic", args=[slugs[topic.section_id], topic.pk]),
            new=True,
            channel=topic_channel(topic.pk),
        )
    replies = (
        Post.objects.filter(
            visible,
            number__gt=1,
            created_at__gte=since,
            created_at__lt=until,
            topic__section_id__in=ids,
            topic__deleted_at__isnull=True,
            topic__hidden_at__isnull=True,
        )
        .values("topic_id", "topic__title", "topic__section_id")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    for row in replies:
        act = out[section_channel(row["topic__section_id"])]
        act.replies += row["n"]
        item = items[act.channel].get(row["topic_id"])
        if item is None:
            item = items[act.channel][row["topic_id"]] = registry.DigestItem(
                row["topic__title"],
                reverse(
                    "discussions:topic", args=[slugs[row["topic__section_id"]], row["topic_id"]]
                ),
                channel=topic_channel(row["topic_id"]),
            )
        item.replies = row["n"]
    for channel, act in out.items():
        ranked = sorted(items[channel].values(), key=lambda i: (not i.new, -i.replies))
        # Every item, ranked: a member who muted some of these topics sees the rest
        # (ChannelActivity.without); the digest shows the first DIGEST_ITEMS.
        act.items, act.shown = ranked, DIGEST_ITEMS
    return out


def digest_readable(user_ids: Iterable[int], channels: list[str]) -> dict[int, set[str]]:
    """Which of the channels each member may read now: 課員のみ sections only for their
    members and staff (three queries)."""
    user_ids = list(user_ids)
    ids = _ids(channels)
    restricted = set(
        SectionSetting.objects.filter(
            section_id__in=ids, reading=SectionSetting.Reading.SECTION
        ).values_list("section_id", flat=True)
    )
    open_channels = {section_channel(i) for i in ids if i not in restricted}
    members: dict[int, set[str]] = {}
    if restricted:
        for user_id, section_id in SectionMembership.objects.filter(
            user_id__in=user_ids, section_id__in=restricted
        ).values_list("user_id", "section_id"):
            members.setdefault(user_id, set()).add(section_channel(section_id))
    staff = (
        set(User.objects.filter(pk__in=user_ids, is_staff=True).values_list("pk", flat=True))
        if restricted
        else set()
    )
    every = {section_channel(i) for i in ids}
    return {
        uid: (every if uid in staff else open_channels | members.get(uid, set()))
        for uid in user_ids
    }


def register() -> None:
    """From DiscussionsConfig.ready()."""
    common: dict[str, Any] = {"resolve": resolve, "readers": readers}
    registry.register_kind(
        registry.Kind(TOPIC, "新しい話題", many="{n}件の新しい話題", icon="🆕", **common)
    )
    registry.register_kind(
        registry.Kind(
            REPLY, "新しい返信", many="{n}件の新しい返信", mail="reply", icon="💬", **common
        )
    )
    registry.register_kind(
        registry.Kind(
            MENTION, "メンション", many="{n}件のメンション", mail="mention", icon="＠", **common
        )
    )
    registry.register_kind(
        registry.Kind(
            ANSWER,
            "ベストアンサーが選ばれました",
            many="ベストアンサー（{n}件）",
            mail="answer",
            icon="✅",
            **common,
        )
    )
    registry.register_channel_type(
        registry.ChannelType("section", may_watch_sections, SECTION_LEVELS, "課")
    )
    registry.register_channel_type(
        registry.ChannelType("topic", may_watch_topics, TOPIC_LEVELS, "話題")
    )
    registry.register_channel_source(registry.ChannelSource("sections", my_channels))
    registry.register_digest_source(
        registry.DigestSource("discussions", digest_activity, digest_readable)
    )
