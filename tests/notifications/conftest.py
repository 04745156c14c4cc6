"""A section whose members joined through the service (so they watch it at 新しい話題のみ),
an outsider, staff, and helpers to post."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from accounts.models import User
from discussions import services as discussions
from discussions.models import SectionSetting, Topic
from notifications.models import Notification
from sections import services as sections
from sections.models import Section, SectionMembership
from tests.factories import MemberFactory, SectionFactory, StaffFactory


@dataclass
class World:
    section: Section
    head: User
    asker: User
    replier: User
    watcher: User  # 全件
    quiet: User  # 通常
    muted: User  # ミュート
    outsider: User  # not in the section
    staff: User

    def ask(
        self,
        author=None,
        kind="question",
        title="予約の電話が混み合います",
        body="どうしていますか？",
    ):
        return discussions.topic_create(
            section_id=self.section.pk,
            author=author or self.asker,
            kind=kind,
            title=title,
            body=body,
        ).topic

    def reply(self, topic: Topic, author=None, body="うちではこうしています。"):
        return discussions.reply_create(
            topic_id=topic.pk, author=author or self.replier, body=body
        ).post

    def restrict(self) -> None:
        SectionSetting.objects.update_or_create(
            section=self.section, defaults={"reading": SectionSetting.Reading.SECTION}
        )

    @property
    def channel(self) -> str:
        return f"section:{self.section.pk}"


def kinds_of(user) -> list[str]:
    return sorted(
        Notification.objects.filter(recipient=user, withdrawn_at__isnull=True).values_list(
            "kind", flat=True
        )
    )


@pytest.fixture
def world(db, settings, tmp_path) -> World:
    from notifications import services as notifications

    settings.MEDIA_ROOT = tmp_path
    section = SectionFactory(name="子育て支援テスト課", slug="kosodate-test")
    head = MemberFactory(full_name="課長 一郎")
    SectionMembership.objects.create(section=section, user=head, role="head")
    people = {}
    for key, name in [
        ("asker", "質問 花子"),
        ("replier", "回答 太郎"),
        ("watcher", "全件 次郎"),
        ("quiet", "通常 三子"),
        ("muted", "静か 四郎"),
    ]:
        people[key] = MemberFactory(full_name=name)
        sections.section_join(section_id=section.pk, user=people[key])
    channel = f"section:{section.pk}"
    notifications.watch_set(user=head, channel=channel, level="normal")
    notifications.watch_set(user=people["watcher"], channel=channel, level="all")
    notifications.watch_set(user=people["quiet"], channel=channel, level="normal")
    notifications.watch_set(user=people["muted"], channel=channel, level="mute")
    outsider = MemberFactory(full_name="外部 五郎")
    staff = StaffFactory(full_name="事務局 六子")
    return World(section, head, outsider=outsider, staff=staff, **people)
