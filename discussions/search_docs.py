"""What discussions puts in the search index (registered in apps.py) and who may read
it: topics (title + opening post), replies, 参考Q&A entries. The rules mirror
`discussions.selectors.may_read_*` (tested against them in tests/search)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from search import index, registry
from search.registry import Doc

from . import selectors
from .models import Entry, Post, SectionSetting, Topic

TOPIC, POST, ENTRY = "topic", "post", "entry"
KINDS = (TOPIC, POST, ENTRY)


def _restricted(section) -> bool:
    return selectors.reading_of(section) == SectionSetting.Reading.SECTION


def _state(topic: Topic) -> str:
    if not topic.is_question:
        return ""
    return "solved" if topic.answer_id else "unsolved"


def build_topics(ids: list[int]) -> dict[int, Doc]:
    topics = Topic.objects.filter(pk__in=ids, deleted_at__isnull=True).select_related(
        "section", "section__discussion_setting"
    )
    bodies = dict(
        Post.objects.filter(topic_id__in=ids, number=1, deleted_at__isnull=True).values_list(
            "topic_id", "body"
        )
    )
    return {
        topic.pk: Doc(
            title=topic.title,
            body=bodies.get(topic.pk, ""),
            url=topic.get_absolute_url(),
            date=topic.created_at,
            section_id=topic.section_id,
            restricted=_restricted(topic.section),
            hidden=topic.hidden_at is not None,
            owner_id=topic.author_id,
            state=_state(topic),
        )
        for topic in topics
    }


def _reply_owner(post: Post) -> tuple[bool, int | None]:
    """(hidden, the one member who still reads it) for a reply; hidden for everyone
    when the reply and its topic are hidden and their authors differ."""
    topic = post.topic
    post_hidden, topic_hidden = post.hidden_at is not None, topic.hidden_at is not None
    if post_hidden and topic_hidden:
        return True, post.author_id if post.author_id == topic.author_id else None
    if post_hidden:
        return True, post.author_id
    if topic_hidden:
        return True, topic.author_id
    return False, None


def build_posts(ids: list[int]) -> dict[int, Doc]:
    posts = Post.objects.filter(
        pk__in=ids, number__gt=1, deleted_at__isnull=True, topic__deleted_at__isnull=True
    ).select_related("topic", "topic__section", "topic__section__discussion_setting")
    found = {}
    for post in posts:
        hidden, owner = _reply_owner(post)
        found[post.pk] = Doc(
            title=post.topic.title,
            title_indexed=False,
            body=post.body,
            url=selectors.post_url(post),
            date=post.created_at,
            section_id=post.topic.section_id,
            parent_id=post.topic_id,
            restricted=_restricted(post.topic.section),
            hidden=hidden,
            owner_id=owner,
        )
    return found


def build_entries(ids: list[int]) -> dict[int, Doc]:
    entries = Entry.objects.filter(pk__in=ids).select_related(
        "section", "section__discussion_setting"
    )
    return {
        entry.pk: Doc(
            title=entry.title,
            body=f"{entry.question}\n{entry.answer}",
            url=entry.get_absolute_url(),
            date=entry.updated_at,
            section_id=entry.section_id,
            public=entry.published_at is not None,
            restricted=entry.published_at is None and _restricted(entry.section),
        )
        for entry in entries
    }


def _sections_q(user) -> Q:
    if user.is_staff:
        return Q()
    return Q(restricted=False) | Q(section_id__in=selectors._my_sections(user))


def visible_q(user) -> Q:
    """Topics, replies and entries `user` may read (the rows' keys: section reading,
    hidden + the one reader who still sees it)."""
    return (Q(hidden=False) | Q(owner_id=user.pk)) & _sections_q(user)


def _ids(queryset) -> Iterable[int]:
    return queryset.values_list("pk", flat=True).iterator(chunk_size=2000)


def register() -> None:
    registry.register_kind(
        registry.Kind(
            TOPIC,
            "話題",
            build_topics,
            lambda: _ids(Topic.objects.filter(deleted_at__isnull=True)),
            visible_q,
            order=10,
            similar=True,
        )
    )
    registry.register_kind(
        registry.Kind(
            POST,
            "返信",
            build_posts,
            lambda: _ids(
                Post.objects.filter(
                    number__gt=1, deleted_at__isnull=True, topic__deleted_at__isnull=True
                )
            ),
            visible_q,
            order=20,
        )
    )
    registry.register_kind(
        registry.Kind(
            ENTRY,
            "参考Q&A",
            build_entries,
            lambda: _ids(Entry.objects.all()),
            visible_q,
            order=30,
            similar=True,
        )
    )


# --- The calls discussions.services makes (in the service's transaction) -----------------


def index_topic(topic_id: int) -> None:
    """The topic's row (title, opening post, state, hidden)."""
    index.put(TOPIC, [topic_id])


def index_thread(topic_id: int) -> None:
    """The topic and every reply: a reply's visibility follows its topic's (hidden)."""
    index.put(TOPIC, [topic_id])
    reply_ids = Post.objects.filter(topic_id=topic_id, number__gt=1).values_list("pk", flat=True)
    index.put(POST, list(reply_ids))


def index_post(post: Post) -> None:
    if post.number == 1:
        index.put(TOPIC, [post.topic_id])
    else:
        index.put(POST, [post.pk])


def index_visibility(post: Post) -> None:
    """A post was hidden or shown again: hiding the opening post hides the whole thread."""
    if post.number == 1:
        index_thread(post.topic_id)
    else:
        index.put(POST, [post.pk])


def unindex_topic(topic_id: int) -> None:
    index.remove(TOPIC, [topic_id])
    index.remove_children(POST, topic_id)


def index_entry(entry_id: int) -> None:
    index.put(ENTRY, [entry_id])


def reading_changed(section_id: int, reading: str) -> None:
    """One UPDATE per kind: topics and replies follow the section's reading; so do the
    entries that are not published."""
    restricted = reading == SectionSetting.Reading.SECTION
    index.set_restricted(section_id=section_id, kinds=(TOPIC, POST), restricted=restricted)
    index.set_restricted(
        section_id=section_id, kinds=(ENTRY,), restricted=restricted, private_only=True
    )
