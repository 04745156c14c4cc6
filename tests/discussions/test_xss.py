"""The XSS battery: hostile titles, bodies, tags, file names and quoted replies, checked
where they are rendered (pages, fragments, the admin, e-mails)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from discussions import services
from discussions.models import Entry, Post, Topic
from outbox.models import OutgoingMail
from tests.discussions.conftest import pdf

pytestmark = pytest.mark.django_db

PAYLOADS = [
    '<script>alert("t")</script>',
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "'\"><iframe src=//evil.example>",
    "javascript:alert(1)",
]


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def _hostile(world):
    p = PAYLOADS
    topic = services.topic_create(
        section_id=world.section.pk,
        author=world.member,
        kind="question",
        title=("T" + p[0] + p[1])[:120],
        body="\n\n".join(p) + "\n\n[x](javascript:alert(1)) @[回答 太郎]",
        tags=["<b>tag</b>", '"onmouseover=alert(1)', "<svg/onload=alert(1)>"],
        files=[pdf('"><img src=x onerror=alert(1)>.pdf')],
    ).topic
    quoted = services.reply_create(
        topic_id=topic.pk, author=world.member2, body=p[0] + " " + p[2] + " @[質問 花子]"
    ).post
    reply = services.reply_create(
        topic_id=topic.pk, author=world.head, body=p[1], quote_id=quoted.pk
    ).post
    services.answer_mark(topic_id=topic.pk, post_id=quoted.pk, actor=world.member)
    entry = services.entry_create(
        section_id=world.section.pk, actor=world.head, title=p[0][:100], question=p[1],
        answer=p[2] + p[3], tags=["<i>x</i>"], source_topic_ids=[topic.pk],
    )  # fmt: skip
    services.entry_publish(entry_id=entry.pk, actor=world.staff)
    return topic, reply, entry


def _clean(html: str, where: str, *, admin: bool = False) -> None:
    """Every real tag of the page is one we (or Django's admin) wrote: scripts only from
    /static/, images only our attachments, no iframe/object/embed, no svg outside the
    admin's icons, no event handler, no javascript: URL. (The payloads' text may show,
    escaped, inside text and attribute values.)"""
    parser = _Tags()
    parser.feed(html)
    assert parser.tags, where
    for name, attrs in parser.tags:
        context = (where, name, attrs)
        assert name not in ("iframe", "object", "embed", "base"), context
        assert admin or name != "svg", context
        for attr, value in attrs:
            assert not attr.startswith("on"), context
            if attr in ("href", "src", "action", "formaction"):
                assert not (value or "").strip().lower().startswith("javascript:"), context
        found = dict(attrs)
        if name == "script":
            src = found.get("src") or ""
            assert src.startswith("/static/") or (admin and src == "/admin/jsi18n/"), context
        if name == "img":
            src = found.get("src") or ""
            ours = re.match(r"^/sections/[^/]+/topics/\d+/files/\d+/$", src)
            assert ours or (admin and src.startswith("/static/admin/")), context


def test_pages_and_fragments_escape_everything(client, world):
    topic, reply, entry = _hostile(world)
    slug = world.section.slug
    client.force_login(world.head)
    pages = [
        reverse("discussions:topics", args=[slug]),
        reverse("discussions:topics", args=[slug]) + "?tag=%3Cb%3Etag%3C%2Fb%3E",
        topic.get_absolute_url(),
        topic.get_absolute_url() + f"?quote={reply.pk}",
        reverse("discussions:topic_edit", args=[slug, topic.pk])
        if False
        else topic.get_absolute_url(),
        reverse("discussions:topic_to_entry", args=[slug, topic.pk]),
        reverse("discussions:section_qa", args=[slug]),
        reverse("discussions:qa"),
        entry.get_absolute_url(),
        reverse("discussions:qa_edit", args=[entry.pk]),
        reverse("sections:detail", args=[slug]),
        reverse("home"),
    ]
    for path in pages:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(path, headers=headers)
            assert response.status_code == 200, path
            _clean(response.content.decode(), path)
    client.force_login(world.member)  # the author's own edit form
    _clean(
        client.get(reverse("discussions:topic_edit", args=[slug, topic.pk])).content.decode(),
        "edit",
    )
    client.force_login(world.staff)
    _clean(
        client.get(reverse("discussions:qa_publish", args=[entry.pk])).content.decode(), "publish"
    )
    client.logout()
    _clean(client.get(reverse("discussions:qa")).content.decode(), "public list")
    _clean(client.get(entry.get_absolute_url()).content.decode(), "public entry")


def test_the_admin_escapes_everything(client, world):
    topic, reply, entry = _hostile(world)
    client.force_login(world.staff)
    for model, obj in (("topic", topic), ("post", reply), ("entry", entry), ("tag", None)):
        changelist = client.get(reverse(f"admin:discussions_{model}_changelist"))
        assert changelist.status_code == 200
        _clean(changelist.content.decode(), model, admin=True)
        if obj is not None:
            change = client.get(reverse(f"admin:discussions_{model}_change", args=[obj.pk]))
            assert change.status_code == 200
            _clean(change.content.decode(), f"{model} page", admin=True)
    opening = Post.objects.get(topic=topic, number=1)
    page = client.get(reverse("admin:discussions_post_change", args=[opening.pk])).content.decode()
    _clean(page, "opening post", admin=True)
    assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;" in page


def test_mails_are_plain_text_with_the_text_as_written(world):
    _hostile(world)
    mails = OutgoingMail.objects.filter(template="notifications_mention")
    assert mails.count() == 2
    for mail in mails:
        assert "&lt;" not in mail.subject and "&quot;" not in mail.body
        assert '<script>alert("t")</script>' in mail.subject  # the title as written, as text
        assert mail.body.startswith(("回答 太郎 様", "質問 花子 様"))


def test_stored_html_is_safe_and_tags_are_text(world):
    _hostile(world)
    for post in Post.objects.all():
        _clean(post.body_html, f"post {post.number}")
    _clean(Entry.objects.get().answer_html, "entry")
    assert set(Topic.objects.get().tags.values_list("name", flat=True)) == {
        "<b>tag</b>",
        '"onmouseover=alert(1)',
        "<svg/onload=alert(1)>",
    }
