"""Query counts: the lists and pages stay constant as the rows grow (no query per row)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from discussions import services
from discussions.models import Attachment, Post, Tag, Topic
from sections.models import Section
from tests.factories import MeetingFactory, MemberFactory

pytestmark = pytest.mark.django_db


def _bulk_topics(section, authors, count: int, *, start: int = 0) -> list[Topic]:
    now = timezone.now()
    topics = Topic.objects.bulk_create(
        Topic(
            section=section,
            kind="question" if i % 3 else "share",
            title=f"大量の話題 {i}",
            author=authors[i % len(authors)],
            created_at=now - timedelta(minutes=i),
            last_activity_at=now - timedelta(minutes=i),
            reply_count=i % 5,
        )
        for i in range(start, start + count)
    )
    Post.objects.bulk_create(
        Post(topic=t, number=1, author=t.author, body="本文", body_html="<p>本文</p>")
        for t in topics
    )
    tags = [Tag.objects.get_or_create(name=f"タグ{i}")[0] for i in range(5)]
    through = Topic.tags.through
    through.objects.bulk_create(
        through(topic_id=t.pk, tag_id=tags[k].pk) for t in topics for k in range(2)
    )
    return topics


def _count(client, path: str, **headers) -> int:
    """Queries of one request with a cold cache (the worst case)."""
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    return len(ctx.captured_queries)


def test_topic_list_with_ten_thousand_topics_is_constant_and_at_most_ten(client, world):
    authors = [MemberFactory(local_government=world.member.local_government) for _ in range(20)]
    _bulk_topics(world.section, authors, 20)
    client.force_login(world.member)
    path = reverse("discussions:topics", args=[world.section.slug])
    small = _count(client, path)
    _bulk_topics(world.section, authors, 9_980, start=20)
    assert Topic.objects.filter(section=world.section).count() == 10_000
    large = _count(client, path)
    assert large == small and large <= 10, (small, large)
    for query in ("?state=unsolved", "?kind=share&tag=タグ1", "?page=400"):
        assert _count(client, path + query) <= 10
    assert _count(client, path + "?state=solved", **{"HX-Request": "true"}) <= 10


def test_topic_page_with_three_hundred_replies_is_constant_and_at_most_twelve(
    client, world, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    topic = world.ask(body="質問です")
    people = [world.member2, world.head, world.deputy] + [MemberFactory() for _ in range(10)]

    def add(n: int) -> None:
        first = topic.last_number + 1
        Post.objects.bulk_create(
            Post(
                topic=topic,
                number=first + i,
                author=people[i % len(people)],
                body=f"返信 {i}",
                body_html=f"<p>返信 {i}</p>",
                quote_id=None,
            )
            for i in range(n)
        )
        topic.last_number += n
        topic.reply_count += n
        topic.save()

    add(3)
    answer = Post.objects.get(topic=topic, number=2)
    services.answer_mark(topic_id=topic.pk, post_id=answer.pk, actor=world.member)
    client.force_login(world.member)
    path = topic.get_absolute_url()
    small = _count(client, path)
    add(297)
    posts = list(Post.objects.filter(topic=topic, number__gt=2).order_by("number"))
    for i, post in enumerate(posts[:40]):  # quotes and files on the page too
        post.quote = posts[i + 1]
        post.save(update_fields=["quote"])
        Attachment.objects.create(
            post=post, file="discussions/x.pdf", original_name="a.pdf", kind="pdf",
            content_type="application/pdf", size=10,
        )  # fmt: skip
    assert Post.objects.filter(topic=topic).count() == 301
    large = _count(client, path)
    # Issue 12's 12: the bell and 投稿停止 are subqueries of the user's query.
    assert large == small and large <= 12, (small, large)
    for page in (2, 6, 7):
        assert _count(client, f"{path}?page={page}") <= 12
    assert _count(client, path, **{"HX-Request": "true"}) <= 12


def test_member_home_panels_are_constant(client, world, django_assert_max_num_queries):
    authors = [world.member2, world.head]
    client.force_login(world.head)
    home = reverse("home")
    small = _count(client, home)
    _bulk_topics(world.section, authors, 500)
    old = timezone.now() - timedelta(days=5)
    Topic.objects.filter(section=world.section).update(created_at=old, reply_count=0)
    large = _count(client, home)
    assert large == small
    html = client.get(home).content.decode()
    assert "回答のない質問" in html and "参加している課の新着" in html
    # Issue 18's 12 (the bell and 投稿停止 are subqueries of the user's query).
    with django_assert_max_num_queries(12):
        client.get(home)


def test_section_pages_with_discussions_are_bounded(client, world):
    """The section page, the directory and a meeting page: one query per registered
    contribution, whatever the number of sections, meetings and topics."""
    authors = [world.member2]
    _bulk_topics(world.section, authors, 50)
    starts = timezone.now() - timedelta(days=3)
    meetings = [
        MeetingFactory(
            section=world.section,
            event__starts_at=starts - timedelta(days=7 * i),
            event__ends_at=starts - timedelta(days=7 * i) + timedelta(hours=1),
        )
        for i in range(15)
    ]
    for meeting in meetings[:10]:
        services.meeting_notes_save(meeting_id=meeting.pk, actor=world.head, body="メモ")
    client.force_login(world.member)
    detail = reverse("sections:detail", args=[world.section.slug])
    directory = reverse("sections:directory")
    before_detail, before_directory = _count(client, detail), _count(client, directory)
    for section in Section.objects.exclude(pk=world.section.pk)[:10]:
        _bulk_topics(section, authors, 5)
    for i in range(10):
        MeetingFactory(
            section=world.section,
            event__starts_at=starts - timedelta(days=200 + i),
            event__ends_at=starts - timedelta(days=200 + i) + timedelta(hours=1),
        )
    assert _count(client, detail) == before_detail
    assert _count(client, directory) == before_directory
    meeting_page = reverse("sections:meeting", args=[world.section.slug, meetings[0].pk])
    assert _count(client, meeting_page) <= 20
