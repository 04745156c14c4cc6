"""Reads for discussions, and the one home of "who may read" and "who may post".

Reading (every list, page, fragment, attachment and feed asks these):
- `may_read_section`, `may_read_topic`, `may_read_post` answer for one object;
- `readable_topics`, `readable_posts`, `readable_entries` filter a queryset the same way.
They agree: an object is in the queryset exactly when the function says yes. The rules:
only approved, active members (and staff) read anything; a section set to 課員のみ is read
by its members and staff only; a deleted post or topic is read by no one (a deleted reply
leaves a placeholder in its thread); a hidden post or topic (moderation) is read by its
author only, who sees it marked as hidden. Published 参考Q&A entries are the one thing the
public reads (`public_entries`).

Posting: `posting_refusal` is the one answer to "may this user post in this section"
(the moderation app's 投稿停止 will be checked there too), `reply_refusal` adds the
topic's own state, and `rate_limit_refusal` the posting rate.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from core import plugins
from events.models import Registration
from sections import rules
from sections.models import Meeting, Section, SectionMembership

from .models import Attachment, Entry, MeetingScribe, Post, SectionSetting, Tag, Topic

WITHDRAWN_LABEL = "退庁した会員"
POSTS_PER_PAGE = 20
TOPICS_PER_PAGE = 20
ENTRIES_PER_PAGE = 20
UNANSWERED_AFTER = timedelta(hours=72)
_UNSET: Any = object()

Reading = SectionSetting.Reading


# --- People -------------------------------------------------------------------------------


def is_withdrawn(user) -> bool:
    return user is not None and user.status == user.Status.WITHDRAWN


def author_label(user) -> str:
    """How a post names its author: 「退庁した会員」 once they have withdrawn."""
    if user is None or is_withdrawn(user):
        return WITHDRAWN_LABEL
    return user.display_name


def author_place(user) -> str:
    """The author's affiliation shown next to the name (nothing for a withdrawn one)."""
    if user is None or is_withdrawn(user):
        return ""
    return user.affiliation_display or ""


def _is_member(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_member)


# --- Sections -----------------------------------------------------------------------------


def setting_of(section: Section) -> SectionSetting | None:
    try:
        return section.discussion_setting
    except SectionSetting.DoesNotExist:
        return None


def reading_of(section: Section) -> str:
    setting = setting_of(section)
    return setting.reading if setting else Reading.MEMBERS


def is_open_posting(section: Section) -> bool:
    setting = setting_of(section)
    return bool(setting and setting.open_posting)


def membership_of(*, section: Section, user) -> SectionMembership | None:
    if not _is_member(user):
        return None
    return SectionMembership.objects.filter(section=section, user=user).first()


def _membership(section: Section, user, membership):
    return membership_of(section=section, user=user) if membership is _UNSET else membership


def section_get(*, slug: str) -> Section:
    """A section with its discussion setting (one query); 404 for an unknown slug."""
    section = (
        Section.objects.select_related("department", "discussion_setting").filter(slug=slug).first()
    )
    if section is None:
        raise Http404("課が見つかりません。")
    return section


def may_read_section(*, user, section: Section, membership=_UNSET) -> bool:
    if not _is_member(user):
        return False
    if user.is_staff or reading_of(section) == Reading.MEMBERS:
        return True
    return _membership(section, user, membership) is not None


def _restricted_sections() -> QuerySet:
    return SectionSetting.objects.filter(reading=Reading.SECTION).values("section_id")


def _my_sections(user) -> QuerySet:
    return SectionMembership.objects.filter(user=user).values("section_id")


def readable_sections_q(user, prefix: str = "") -> Q:
    """A Q over `<prefix>section_id` for the sections whose discussions `user` reads (an
    empty Q for staff: AND it, never OR it)."""
    field = f"{prefix}section_id__in"
    if user.is_staff:
        return Q()
    return ~Q(**{field: _restricted_sections()}) | Q(**{field: _my_sections(user)})


# --- Topics and posts: may this user read it ----------------------------------------------


def may_read_topic(*, user, topic: Topic, membership=_UNSET) -> bool:
    if not may_read_section(user=user, section=topic.section, membership=membership):
        return False
    if topic.deleted_at is not None:
        return False
    if topic.hidden_at is not None and topic.author_id != user.pk:
        return False
    return True


def may_read_post(*, user, post: Post, membership=_UNSET) -> bool:
    """May `user` read this post's content (and its attachments)."""
    if not may_read_topic(user=user, topic=post.topic, membership=membership):
        return False
    if post.deleted_at is not None:
        return False
    if post.hidden_at is not None and post.author_id != user.pk:
        return False
    return True


def readable_topics(user, queryset: QuerySet[Topic] | None = None) -> QuerySet[Topic]:
    """The topics `user` may read: the queryset form of `may_read_topic`."""
    queryset = Topic.objects.all() if queryset is None else queryset
    if not _is_member(user):
        return queryset.none()
    return queryset.filter(
        Q(deleted_at__isnull=True),
        Q(hidden_at__isnull=True) | Q(author=user),
        readable_sections_q(user),
    )


def readable_posts(user, queryset: QuerySet[Post] | None = None) -> QuerySet[Post]:
    """The posts whose content `user` may read: the queryset form of `may_read_post`."""
    queryset = Post.objects.all() if queryset is None else queryset
    if not _is_member(user):
        return queryset.none()
    return queryset.filter(
        Q(deleted_at__isnull=True),
        Q(hidden_at__isnull=True) | Q(author=user),
        Q(topic__deleted_at__isnull=True),
        Q(topic__hidden_at__isnull=True) | Q(topic__author=user),
        readable_sections_q(user, prefix="topic__"),
    )


# --- May this user post -------------------------------------------------------------------


def posting_refusal(*, user, section: Section, membership=_UNSET) -> str | None:
    """None when `user` may start a topic or reply in `section`, else why not (Japanese).
    The one place that decides it; 投稿停止 and 要確認 come in through `plugins.write_refusal`."""
    if not _is_member(user):
        return "投稿できるのは会員だけです。"
    if section.status == Section.Status.CLOSED:
        return "この課は廃止されているため、投稿できません。"
    refusal = plugins.write_refusal(user, posting=True)  # 投稿停止, 行動規範, 要確認, ...
    if refusal:
        return refusal
    if user.is_staff or is_open_posting(section):
        return None
    if _membership(section, user, membership) is None:
        return "この課に投稿できるのは課のメンバーだけです。課に参加してから投稿してください。"
    return None


def may_post(*, user, section: Section, membership=_UNSET) -> bool:
    return posting_refusal(user=user, section=section, membership=membership) is None


def reply_refusal(*, user, topic: Topic, membership=_UNSET) -> str | None:
    membership = _membership(topic.section, user, membership)
    if not may_read_topic(user=user, topic=topic, membership=membership):
        return "この話題は見つかりません。"
    refusal = posting_refusal(user=user, section=topic.section, membership=membership)
    if refusal:
        return refusal
    if topic.locked_at is not None:
        return "この話題は返信を締め切っています。"
    return None


def rate_limit_refusal(*, user, now: datetime | None = None) -> str | None:
    """A member may post at most DISCUSSIONS_RATE_LIMIT posts in DISCUSSIONS_RATE_WINDOW
    seconds (topics, replies and notes together)."""
    now = now or timezone.now()
    limit = settings.DISCUSSIONS_RATE_LIMIT
    window = settings.DISCUSSIONS_RATE_WINDOW
    since = now - timedelta(seconds=window)
    recent = Post.objects.filter(author=user, created_at__gt=since, created_at__lte=now).count()
    if recent >= limit:
        return (
            f"短い時間に投稿が続いています（{window // 60}分間に{limit}件まで）。"
            "しばらく待ってからもう一度送信してください。入力した内容はそのまま残っています。"
        )
    return None


# --- Who may do what to a topic or post ---------------------------------------------------


def is_manager(*, user, section: Section, membership=_UNSET) -> bool:
    """課長・課長補佐 of the section, or staff."""
    if not _is_member(user):
        return False
    return rules.is_manager(user=user, membership=_membership(section, user, membership))


def is_head(*, user, section: Section, membership=_UNSET) -> bool:
    """課長 of the section, or staff."""
    if not _is_member(user):
        return False
    return rules.is_head(user=user, membership=_membership(section, user, membership))


def may_mark_answer(*, user, topic: Topic, membership=_UNSET) -> bool:
    """The asker, a head or deputy of the section, or staff (on a question)."""
    if not topic.is_question or not may_read_topic(user=user, topic=topic, membership=membership):
        return False
    return topic.author_id == user.pk or is_manager(
        user=user, section=topic.section, membership=membership
    )


def may_edit_post(*, user, post: Post) -> bool:
    return (
        _is_member(user)
        and post.author_id == user.pk
        and post.deleted_at is None
        and post.topic.deleted_at is None
    )


def may_delete_post(*, user, post: Post, membership=_UNSET) -> bool:
    if not _is_member(user) or post.deleted_at is not None or post.topic.deleted_at is not None:
        return False
    return post.author_id == user.pk or is_manager(
        user=user, section=post.topic.section, membership=membership
    )


def others_replied(topic: Topic) -> bool:
    return (
        Post.objects.filter(topic=topic, number__gt=1, deleted_at__isnull=True)
        .exclude(author_id=topic.author_id)
        .exists()
    )


def may_delete_topic(*, user, topic: Topic, membership=_UNSET) -> bool:
    """Heads, deputies and staff always; the author while nobody else has replied (after
    that the author deletes the opening post, and the thread still reads)."""
    if not _is_member(user) or topic.deleted_at is not None:
        return False
    if is_manager(user=user, section=topic.section, membership=membership):
        return True
    return topic.author_id == user.pk and not others_replied(topic)


def may_curate(*, user, section: Section, membership=_UNSET) -> bool:
    """Heads and staff create and edit the section's 参考Q&A entries and set its reading."""
    return is_head(user=user, section=section, membership=membership)


def may_publish(*, user) -> bool:
    return _is_member(user) and user.is_staff


# --- Lists --------------------------------------------------------------------------------

PEOPLE = ("author", "author__local_government__prefecture")


def attach_tag_names(topics: list[Topic]) -> list[Topic]:
    """Give each topic `tag_names` (sorted) with one light query (no model instances)."""
    names: dict[int, list[str]] = {t.pk: [] for t in topics}
    rows = Topic.tags.through.objects.filter(topic_id__in=list(names)).values_list(
        "topic_id", "tag__name"
    )
    for topic_id, name in rows:
        names[topic_id].append(name)
    for topic in topics:
        topic.tag_names = sorted(names[topic.pk])  # type: ignore[attr-defined]  # set here for the template
    return topics


def attach_files(posts: list[Post]) -> list[Post]:
    """Give each post `files` (its attachments in order) with one query."""
    files: dict[int, list[Attachment]] = {p.pk: [] for p in posts}
    for attachment in Attachment.objects.filter(post_id__in=list(files)).order_by("id"):
        files[attachment.post_id].append(attachment)
    for post in posts:
        post.files = files[post.pk]  # type: ignore[attr-defined]  # set here for the template
    return posts


def topic_list(
    *, user, section: Section, kind: str = "", state: str = "", tag: str = "", membership=_UNSET
) -> QuerySet[Topic]:
    """The section's topics that `user` may read, newest activity first, filtered by kind,
    解決済み / 未解決 (questions only) and tag, with their authors. For a page of them, give
    `attach_tag_names` the rows (one more query, none per row). The same rows as
    `readable_topics` of the section; the section's reading is checked once here, not per
    row."""
    if not may_read_section(user=user, section=section, membership=membership):
        return Topic.objects.none()
    topics = Topic.objects.filter(
        Q(section=section),
        Q(deleted_at__isnull=True),
        Q(hidden_at__isnull=True) | Q(author=user),
    )
    if kind in Topic.Kind.values:
        topics = topics.filter(kind=kind)
    if state == "solved":
        topics = topics.filter(kind=Topic.Kind.QUESTION, answer__isnull=False)
    elif state == "unsolved":
        topics = topics.filter(kind=Topic.Kind.QUESTION, answer__isnull=True)
    if tag:
        topics = topics.filter(tags__name=tag)
    return topics.select_related(*PEOPLE).order_by("-last_activity_at", "-id")


TAGS_CACHE_SECONDS = 300


def section_tags(*, section: Section, limit: int = 20) -> list[tuple[str, int]]:
    """The tags most used in a section (name, count), for the filter above its list, to be
    shown only to readers of the section. Counted over the topics every reader sees (not
    deleted, not hidden), so one cached answer serves them all; at most 5 minutes old.
    The cache is an optimisation: without it the count is made each time (one query)."""
    key = f"discussions:section-tags:{section.pk}:{limit}"
    try:
        cached = cache.get(key)
    except Exception:  # the cache is down: count without it
        cached = None
    if cached is not None:
        return cached
    rows = list(
        Tag.objects.filter(
            topics__section=section, topics__deleted_at__isnull=True, topics__hidden_at__isnull=True
        )
        .annotate(n=Count("topics"))
        .order_by("-n", "name")
        .values_list("name", "n")[:limit]
    )
    try:
        cache.set(key, rows, TAGS_CACHE_SECONDS)
    except Exception:
        pass
    return rows


def topic_get(*, section: Section, topic_id: int, user, membership=_UNSET) -> Topic:
    """A topic of this section that `user` may read, with `tag_names`; 404 otherwise
    (tampered ids too)."""
    topic = (
        Topic.objects.select_related(*PEOPLE, "meeting__event")
        .filter(pk=topic_id, section=section)
        .first()
    )
    if topic is None:
        raise Http404("話題が見つかりません。")
    topic.section = section  # the section already loaded (with its setting)
    if not may_read_topic(user=user, topic=topic, membership=membership):
        raise Http404("話題が見つかりません。")
    attach_tag_names([topic])
    return topic


def _post_rows() -> QuerySet[Post]:
    """Posts with their authors and quoted posts; their files come from `attach_files`."""
    return Post.objects.select_related(*PEOPLE, "quote", "quote__author")


def _visible_in_thread(user, posts: QuerySet[Post]) -> QuerySet[Post]:
    """Posts shown in a thread: deleted ones stay as placeholders; hidden ones only for
    their author."""
    return posts.filter(Q(hidden_at__isnull=True) | Q(author=user))


class ThreadPage:
    """One page of a thread, by post number (POSTS_PER_PAGE numbers a page): no COUNT, no OFFSET."""

    def __init__(self, topic: Topic, number: int, posts: list[Post]):
        self.topic = topic
        self.number = number
        self.num_pages = max(1, -(-topic.last_number // POSTS_PER_PAGE))
        self.posts = posts

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.num_pages

    def has_other_pages(self) -> bool:
        return self.num_pages > 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def paginator(self):
        return self

    @property
    def object_list(self) -> list[Post]:
        return self.posts


def page_of_number(number: int) -> int:
    return max(1, -(-number // POSTS_PER_PAGE))


def thread_page(*, topic: Topic, user, page: Any = 1) -> ThreadPage:
    try:
        number = int(page)
    except (TypeError, ValueError):
        number = 1
    last = page_of_number(topic.last_number)
    number = min(max(number, 1), last)
    start = (number - 1) * POSTS_PER_PAGE
    posts = list(
        _visible_in_thread(
            user,
            _post_rows().filter(topic=topic, number__gt=start, number__lte=start + POSTS_PER_PAGE),
        ).order_by("number")
    )
    for post in posts:
        post.topic = topic
    attach_files(posts)
    return ThreadPage(topic, number, posts)


def accepted_answer(*, topic: Topic, user, page: ThreadPage | None = None) -> Post | None:
    """The accepted answer when `user` may read it (shown under the question)."""
    if topic.answer_id is None:
        return None
    post = None
    if page is not None:
        post = next((p for p in page.posts if p.pk == topic.answer_id), None)
    if post is None:
        post = _post_rows().filter(pk=topic.answer_id).first()
    if post is None:
        return None
    post.topic = topic
    # The caller has checked the topic; the post itself must be neither deleted nor
    # hidden (unless it is the reader's own).
    if post.deleted_at is not None or (post.hidden_at is not None and post.author_id != user.pk):
        return None
    return post


def post_get(*, topic: Topic, post_id: int) -> Post:
    post = _post_rows().filter(pk=post_id, topic=topic).first()
    if post is None:
        raise Http404("投稿が見つかりません。")
    post.topic = topic
    attach_files([post])
    return post


def quotable_post(*, topic: Topic, post_id: int, user) -> Post | None:
    post = Post.objects.select_related("author").filter(pk=post_id, topic=topic).first()
    if post is None:
        return None
    post.topic = topic
    return post if may_read_post(user=user, post=post) else None


def opening_post(topic: Topic) -> Post:
    post = _post_rows().get(topic=topic, number=1)
    post.topic = topic
    return post


def attachment_get(*, topic: Topic, attachment_id: int, user) -> Attachment:
    """An attachment of a post `user` may read; 404 otherwise (a deleted or hidden post's
    files stop being served)."""
    attachment = (
        Attachment.objects.select_related("post")
        .filter(pk=attachment_id, post__topic=topic)
        .first()
    )
    if attachment is None:
        raise Http404("ファイルが見つかりません。")
    attachment.post.topic = topic
    if not may_read_post(user=user, post=attachment.post):
        raise Http404("ファイルが見つかりません。")
    if attachment.post.hidden_at is not None or topic.hidden_at is not None:
        # Hidden by moderation: the files stop being served, to the author too (the
        # author still sees the post, marked hidden, in the thread).
        raise Http404("ファイルが見つかりません。")
    return attachment


def post_url(post: Post) -> str:
    topic = post.topic
    url = reverse("discussions:topic", args=[topic.section.slug, topic.pk])
    page = page_of_number(post.number)
    query = f"?page={page}" if page > 1 else ""
    return f"{url}{query}#post-{post.number}"


def entries_of_topic(topic: Topic, user, membership=_UNSET) -> list[Entry]:
    """The entries made from a topic, for a reader of the topic (entries are made from
    their own section's topics, so a reader of the topic reads them)."""
    if not may_read_topic(user=user, topic=topic, membership=membership):
        return []
    return list(topic.qa_entries.filter(section_id=topic.section_id).order_by("-updated_at"))


# --- Member home --------------------------------------------------------------------------


def home_recent(*, user, limit: int = 8) -> list[Topic]:
    """「参加している課の新着」: the latest active topics of the member's sections."""
    if not _is_member(user):
        return []
    topics = readable_topics(user, Topic.objects.filter(section_id__in=_my_sections(user)))
    return list(
        topics.select_related("section", *PEOPLE).order_by("-last_activity_at", "-id")[:limit]
    )


def home_unanswered(*, user, limit: int = 10, now: datetime | None = None) -> list[Topic]:
    """「回答のない質問」: questions in the sections the member heads (課長・課長補佐) with
    no reply 72 hours after they were asked, oldest first."""
    if not _is_member(user):
        return []
    now = now or timezone.now()
    managed = SectionMembership.objects.filter(user=user, role__in=rules.MANAGER_ROLES).values(
        "section_id"
    )
    topics = readable_topics(
        user,
        Topic.objects.filter(
            section_id__in=managed,
            kind=Topic.Kind.QUESTION,
            answer__isnull=True,
            reply_count=0,
            locked_at__isnull=True,
            created_at__lte=now - UNANSWERED_AFTER,
        ),
    )
    return list(topics.select_related("section", *PEOPLE).order_by("created_at", "id")[:limit])


# --- Section directory, overview and meetings (through sections.registry) -----------------


def recent_topic_counts(user, section_ids: list[int], *, days: int = 30) -> dict[int, int]:
    """{section id: topics started in the last `days` days that `user` may read}."""
    since = timezone.now() - timedelta(days=days)
    rows = (
        readable_topics(
            user, Topic.objects.filter(section_id__in=section_ids, created_at__gte=since)
        )
        .values("section_id")
        .annotate(n=Count("id"))
        .values_list("section_id", "n")
    )
    return dict(rows)


class _CountOf(Subquery):
    """`(SELECT COUNT(*) FROM (subquery))`: a count as a subquery of another query."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _counted)"
    output_field = IntegerField()


def meeting_links(user, meetings: list[Meeting]) -> dict[int, list[tuple[str, str]]]:
    """議事メモ and 参考Q&A links for each meeting that has them: one query over the
    meetings, with the readable notes topic and the readable entries' count as subqueries."""
    ids = [m.pk for m in meetings]
    found: dict[int, list[tuple[str, str]]] = {}
    notes = readable_topics(user, Topic.objects.filter(meeting_id=OuterRef("pk"))).order_by("pk")
    entries = (
        readable_entries(user, Entry.objects.filter(source_meetings=OuterRef("pk")))
        .order_by()
        .values("pk")
        .distinct()
    )
    rows = (
        Meeting.objects.filter(pk__in=ids)
        .annotate(notes_id=Subquery(notes.values("pk")[:1]), qa=_CountOf(entries))
        .filter(Q(notes_id__isnull=False) | Q(qa__gt=0))
        .values_list("pk", "notes_id", "qa")
    )
    for meeting_id, notes_id, qa in rows:
        slug = _slug(meetings, meeting_id)
        if notes_id is not None:
            found.setdefault(meeting_id, []).append(
                ("議事メモ", reverse("discussions:topic", args=[slug, notes_id]))
            )
        if qa:
            found.setdefault(meeting_id, []).append(
                (f"参考Q&A {qa}件", reverse("discussions:section_qa", args=[slug]))
            )
    return found


def _slug(meetings: list[Meeting], meeting_id: int) -> str:
    return next(m.section.slug for m in meetings if m.pk == meeting_id)


def notes_topic_of(*, meeting: Meeting, user) -> Topic | None:
    topic = (
        Topic.objects.select_related("section", *PEOPLE)
        .filter(meeting=meeting, deleted_at__isnull=True)
        .first()
    )
    if topic is None or not may_read_topic(user=user, topic=topic):
        return None
    return topic


def scribe_of(meeting: Meeting) -> MeetingScribe | None:
    return MeetingScribe.objects.select_related("user").filter(meeting=meeting).first()


def may_write_notes(
    *, user, meeting: Meeting, membership=_UNSET, scribe=_UNSET, now: datetime | None = None
) -> bool:
    """The section's head (課長, or staff) or the meeting's 書記, once it has started."""
    if not _is_member(user) or meeting.event.is_cancelled:
        return False
    if meeting.event.starts_at > (now or timezone.now()):
        return False
    if is_head(user=user, section=meeting.section, membership=membership):
        return True
    scribe = scribe_of(meeting) if scribe is _UNSET else scribe
    return scribe is not None and scribe.user_id == user.pk


def scribe_candidates(
    meeting: Meeting, scribe: MeetingScribe | None = None, limit: int = 300
) -> list[tuple[int, str]]:
    """Whom a head can name 書記 of a meeting: the section's members who attended (参加),
    its heads and deputies, and the scribe named now, by name: (user id, name) pairs, one
    query reading only the columns a name needs (a list of every member put 3,000 options
    on a big section's page)."""
    attended = Registration.objects.filter(
        event_id=meeting.event_id, status=Registration.Status.GOING
    ).values("user_id")
    who = Q(user_id__in=attended) | Q(role__in=rules.MANAGER_ROLES)
    if scribe is not None:
        who |= Q(user_id=scribe.user_id)
    rows = (
        SectionMembership.objects.filter(who, section_id=meeting.section_id)
        .select_related("user")
        .only("user_id", "user__full_name", "user__email", "user__status")
        .order_by("user__full_name", "id")[:limit]
    )
    return [(m.user_id, m.user.display_name) for m in rows]


# --- 参考Q&A ------------------------------------------------------------------------------


def public_entries(queryset: QuerySet[Entry] | None = None) -> QuerySet[Entry]:
    queryset = Entry.objects.all() if queryset is None else queryset
    return queryset.filter(published_at__isnull=False)


def readable_entries(user, queryset: QuerySet[Entry] | None = None) -> QuerySet[Entry]:
    """Entries `user` may read: every published one; for members also the entries of
    sections whose discussions they may read."""
    queryset = Entry.objects.all() if queryset is None else queryset
    if not _is_member(user):
        return public_entries(queryset)
    if user.is_staff:
        return queryset
    return queryset.filter(Q(published_at__isnull=False) | readable_sections_q(user))


def may_read_entry(*, user, entry: Entry) -> bool:
    if entry.published_at is not None:
        return True
    return may_read_section(user=user, section=entry.section)


def entry_list(*, user, section: Section | None = None, tag: str = "") -> QuerySet[Entry]:
    entries = readable_entries(user)
    if section is not None:
        entries = entries.filter(section=section)
    if tag:
        entries = entries.filter(tags__name=tag)
    return (
        entries.select_related("section", "section__department")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .order_by("-updated_at", "-id")
    )


def entry_get(*, entry_id: int, user) -> Entry:
    entry = (
        Entry.objects.select_related(
            "section", "section__department", "section__discussion_setting"
        )
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .filter(pk=entry_id)
        .first()
    )
    if entry is None or not may_read_entry(user=user, entry=entry):
        raise Http404("参考Q&Aが見つかりません。")
    return entry


def entry_sources(*, entry: Entry, user) -> dict[str, list]:
    """The topics and meetings an entry came from, as far as `user` may read them (for
    members only: the public page links to nothing member-only)."""
    if not _is_member(user):
        return {"topics": [], "meetings": []}
    topics = list(readable_topics(user, entry.source_topics.all()).select_related("section"))
    meetings = list(entry.source_meetings.select_related("event", "section"))
    return {"topics": topics, "meetings": meetings}


def entry_sections(*, user) -> list[Section]:
    """Sections that have entries `user` may read (the /qa/ filter), one query."""
    ids = readable_entries(user).values("section_id")
    return list(Section.objects.filter(pk__in=ids).order_by("department__order", "order", "id"))


def entry_tags(*, user, limit: int = 30) -> list[tuple[str, int]]:
    rows = (
        Tag.objects.filter(qa_entries__in=readable_entries(user))
        .annotate(n=Count("qa_entries"))
        .order_by("-n", "name")
        .values_list("name", "n")[:limit]
    )
    return list(rows)


def entry_prefill_from_topic(*, topic: Topic, user) -> dict[str, Any]:
    """A new entry's fields from a (solved) topic: its title, its opening post as the
    question and the accepted answer, without @[氏名] (names never go into an entry)."""
    from .text import strip_mentions

    opening = Post.objects.filter(topic=topic, number=1).first()
    answer = accepted_answer(topic=topic, user=user)
    return {
        "title": topic.title,
        "question": strip_mentions(opening.body) if opening and not opening.is_deleted else "",
        "answer": strip_mentions(answer.body) if answer else "",
        "tags": ", ".join(n for n in topic.tags.values_list("name", flat=True) if n != "議事メモ"),
    }


def entry_prefill_from_meeting(*, meeting: Meeting, topic: Topic | None) -> dict[str, Any]:
    """A new entry's fields from a meeting's notes: the answer is the notes."""
    from .text import strip_mentions

    opening = Post.objects.filter(topic=topic, number=1).first() if topic else None
    return {
        "title": f"{meeting.event.title}より",
        "question": "",
        "answer": strip_mentions(opening.body) if opening and not opening.is_deleted else "",
        "tags": "",
    }


def recent_entries(*, section: Section, user, limit: int = 5) -> list[Entry]:
    return list(entry_list(user=user, section=section)[:limit])


def recent_topics(*, section: Section, user, limit: int = 5) -> list[Topic]:
    return list(
        readable_topics(user, Topic.objects.filter(section=section))
        .select_related(*PEOPLE)
        .order_by("-last_activity_at", "-id")[:limit]
    )
