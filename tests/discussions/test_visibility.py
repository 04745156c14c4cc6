"""Who reads what: every role × every kind of topic and post, the one-object answer and the
queryset filter agreeing; leaving a 課員のみ section; withdrawal."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from accounts import services as accounts_services
from core import plugins
from discussions import selectors, services
from discussions.models import Attachment, Entry, Mention, Post, Topic
from sections import services as section_services
from tests.discussions.conftest import pdf
from tests.factories import ApplicantFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

NOT_MEMBERS = {
    "anonymous": lambda: AnonymousUser(),
    "unverified": lambda: UserFactory(status="unverified"),
    "draft": lambda: UserFactory(status="draft"),
    "submitted": lambda: ApplicantFactory(),
    "needs_info": lambda: ApplicantFactory(status="needs_info"),
    "rejected": lambda: ApplicantFactory(status="rejected"),
    "suspended": lambda: MemberFactory(status="suspended"),
    "withdrawn": lambda: MemberFactory(status="withdrawn", is_active=False),
}


@pytest.fixture
def things(world):
    """Topics and replies of every kind, in an open section and a 課員のみ one."""
    open_topic = world.ask(title="公開の課の話題", files=[pdf()])
    reply = world.reply(open_topic)
    hidden_reply = world.reply(open_topic, body="非表示になる返信")
    services.post_set_hidden(post_id=hidden_reply.pk, reason="personal")
    deleted_reply = world.reply(open_topic, body="削除される返信")
    services.post_delete(post_id=deleted_reply.pk, actor=world.member2)
    deleted_topic = world.ask(title="削除された話題")
    services.topic_delete(topic_id=deleted_topic.pk, actor=world.member)
    hidden_topic = world.ask(title="非表示の話題")
    services.post_set_hidden(post_id=hidden_topic.posts.get().pk, reason="spam")
    from sections.models import SectionMembership
    from tests.factories import SectionFactory

    closed = SectionFactory(name="課員のみの課")
    SectionMembership.objects.create(section=closed, user=world.member, role="member")
    SectionMembership.objects.create(section=closed, user=world.head, role="head")
    services.section_reading_set(section_id=closed.pk, actor=world.head, reading="section")
    closed_topic = services.topic_create(
        section_id=closed.pk, author=world.member, kind="question", title="課員だけの相談", body="x"
    ).topic
    closed_reply = services.reply_create(topic_id=closed_topic.pk, author=world.head, body="y").post
    return {
        "open": open_topic,
        "reply": reply,
        "hidden_reply": hidden_reply,
        "deleted_reply": deleted_reply,
        "deleted": deleted_topic,
        "hidden": hidden_topic,
        "closed": closed_topic,
        "closed_reply": closed_reply,
    }


# (topic key → who reads it) for the members; nobody else reads anything.
EXPECTED_TOPICS = {
    "open": {"member", "member2", "head", "outsider", "staff"},
    "deleted": set(),
    "hidden": {"member"},  # its author only
    "closed": {"member", "head", "staff"},
}
EXPECTED_POSTS = {
    "reply": {"member", "member2", "head", "outsider", "staff"},
    "hidden_reply": {"member2"},
    "deleted_reply": set(),
    "closed_reply": {"member", "head", "staff"},
}
MEMBERS = ("member", "member2", "head", "outsider", "staff")


def _fresh(topic: Topic) -> Topic:
    return Topic.objects.select_related("section__discussion_setting").get(pk=topic.pk)


@pytest.mark.parametrize("who", MEMBERS)
def test_members_read_what_the_rules_say_and_the_filter_agrees(world, things, who):
    user = getattr(world, who)
    readable = set(selectors.readable_topics(user).values_list("pk", flat=True))
    for key, readers in EXPECTED_TOPICS.items():
        topic = _fresh(things[key])
        expected = who in readers
        assert selectors.may_read_topic(user=user, topic=topic) is expected, (who, key)
        assert (topic.pk in readable) is expected, (who, key)
    readable_posts = set(selectors.readable_posts(user).values_list("pk", flat=True))
    for key, readers in EXPECTED_POSTS.items():
        post = Post.objects.select_related("topic__section__discussion_setting").get(
            pk=things[key].pk
        )
        expected = who in readers
        assert selectors.may_read_post(user=user, post=post) is expected, (who, key)
        assert (post.pk in readable_posts) is expected, (who, key)


@pytest.mark.parametrize("role", sorted(NOT_MEMBERS))
def test_non_members_read_nothing(world, things, role):
    user = NOT_MEMBERS[role]()
    assert not selectors.readable_topics(user).exists()
    assert not selectors.readable_posts(user).exists()
    for key in EXPECTED_TOPICS:
        assert not selectors.may_read_topic(user=user, topic=_fresh(things[key]))
    assert selectors.home_recent(user=user) == []
    assert selectors.posting_refusal(user=user, section=world.section) is not None


@pytest.mark.parametrize("role", sorted(set(NOT_MEMBERS) - {"anonymous"}))
def test_non_members_get_no_page_fragment_or_file(client, world, things, role):
    client.force_login(NOT_MEMBERS[role]())
    topic = things["open"]
    slug = world.section.slug
    attachment = Attachment.objects.get(post__topic=topic)
    for path in (
        reverse("discussions:topics", args=[slug]),
        topic.get_absolute_url(),
        reverse("discussions:attachment", args=[slug, topic.pk, attachment.pk]),
        reverse("discussions:section_qa", args=[slug]),
        reverse("sections:detail", args=[slug]),
    ):
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(path, headers=headers)
            assert response.status_code == 302, (role, path)
            assert "公開の課の話題" not in response.content.decode()


def test_leaving_a_members_only_section_ends_reading_at_once(client, world, things):
    closed = things["closed"]
    member = world.member
    client.force_login(member)
    assert client.get(closed.get_absolute_url()).status_code == 200
    section_services.section_leave(section_id=closed.section_id, user=member)
    assert not selectors.may_read_topic(user=member, topic=_fresh(closed))
    assert client.get(closed.get_absolute_url()).status_code == 404
    assert not selectors.readable_topics(member).filter(pk=closed.pk).exists()
    # Their posts stay for the others.
    assert selectors.may_read_topic(user=world.head, topic=_fresh(closed))
    assert Topic.objects.get(pk=closed.pk).author == member


def test_withdrawal_keeps_the_posts_as_a_withdrawn_member_and_nothing_else(client, world, things):
    topic = things["open"]
    # Another member mentions the one who will withdraw; they name themself in a post.
    mention = services.reply_create(
        topic_id=topic.pk, author=world.head, body="@[回答 太郎] さんの説明が分かりやすい"
    ).post
    own = services.reply_create(
        topic_id=topic.pk,
        author=world.member2,
        body=f"回答 太郎です（{world.member2.email}）。資料を添付します。",
        files=[pdf("回答太郎の資料.pdf")],
    ).post
    services.topic_update(
        topic_id=topic.pk, actor=world.member, title=topic.title, body="本文",
        tags="回答太郎さん方式",
    )  # fmt: skip
    services.entry_create(
        section_id=world.section.pk, actor=world.head, title="回答 太郎さんの工夫", question="",
        answer="回答太郎さんの町の例", source_topic_ids=[topic.pk],
    )  # fmt: skip
    assert Mention.objects.filter(user=world.member2).exists()
    emails = [world.member2.email]
    name = world.member2.full_name
    accounts_services.member_withdraw(user_id=world.member2.pk, actor=world.staff)
    withdrawn = type(world.member2).objects.get(pk=world.member2.pk)
    # Whether or not the accounts service already ran it, running it again is harmless.
    entry = next(e for e in plugins.personal_data() if e.app == "discussions")
    withdrawn.full_name = name
    entry.erase(user=withdrawn, emails=emails)

    own.refresh_from_db()
    assert own.deleted_at is None and own.author_id == withdrawn.pk  # the post stays
    assert selectors.author_label(own.author) == "退庁した会員"
    assert selectors.author_place(own.author) == ""
    assert name not in own.body and "回答太郎" not in own.body and emails[0] not in own.body
    assert "退庁した会員" in own.body
    mention.refresh_from_db()
    assert "@[退庁した会員]" in mention.body and name not in mention.body_html
    assert not Mention.objects.filter(user=withdrawn).exists()
    assert "回答太郎" not in own.attachments.get().original_name
    assert name not in Entry.objects.get().title and "回答太郎" not in Entry.objects.get().answer
    from discussions.models import Tag

    assert not Tag.objects.filter(name__contains="回答太郎").exists()

    client.force_login(world.head)
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "退庁した会員" in html and name not in html and "大阪市" not in html
    assert not selectors.readable_topics(withdrawn).exists()
