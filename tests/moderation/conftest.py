"""A section (head, deputy, five members, an outsider of another section), staff with
the 審査担当 role, and a topic with a reply to report."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from core.staff_roles import VETTING
from discussions import services as discussion_services
from discussions.models import Post, Topic
from sections.models import Section, SectionMembership
from tests.factories import MemberFactory, SectionFactory, StaffFactory


def moderator(**kwargs) -> User:
    """A staff account with the 審査担当 role (not a superuser)."""
    user = StaffFactory(is_superuser=False, **kwargs)
    user.groups.add(Group.objects.get(name=VETTING))
    return User.objects.get(pk=user.pk)


@dataclass
class World:
    section: Section
    head: User
    deputy: User
    author: User
    members: list[User]
    staff: User
    topic: Topic
    reply: Post
    opening: Post
    other_section: Section
    other_head: User
    extra: dict = field(default_factory=dict)

    def post_reply(self, author=None, body="もう一つの返信です。") -> Post:
        return discussion_services.reply_create(
            topic_id=self.topic.pk, author=author or self.author, body=body
        ).post


@pytest.fixture
def world(db) -> World:
    section = SectionFactory(name="審査テスト課")
    head, deputy, author = (
        MemberFactory(full_name="課長 一郎"),
        MemberFactory(),
        MemberFactory(full_name="投稿 花子"),
    )
    members = [MemberFactory() for _ in range(5)]
    SectionMembership.objects.create(section=section, user=head, role="head")
    SectionMembership.objects.create(section=section, user=deputy, role="deputy")
    for user in (author, *members):
        SectionMembership.objects.create(section=section, user=user, role="member")
    other = SectionFactory(name="別の課")
    other_head = MemberFactory()
    SectionMembership.objects.create(section=other, user=other_head, role="head")
    topic = discussion_services.topic_create(
        section_id=section.pk,
        author=members[0],
        kind="question",
        title="窓口の混雑",
        body="どうしていますか",
    ).topic
    reply = discussion_services.reply_create(
        topic_id=topic.pk, author=author, body="〇〇町の山田さん（84歳）の件では……"
    ).post
    return World(
        section=section,
        head=head,
        deputy=deputy,
        author=author,
        members=members,
        staff=moderator(),
        topic=topic,
        reply=reply,
        opening=topic.posts.get(number=1),
        other_section=other,
        other_head=other_head,
    )
