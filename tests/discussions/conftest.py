"""A section with a head, a deputy, two members (from different prefectures), an outsider
and staff; helpers to post."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from discussions import services
from discussions.models import SectionSetting, Topic
from sections.models import Section, SectionMembership
from tests.factories import MemberFactory, SectionFactory, StaffFactory, local_government

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def pdf(name: str = "資料.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@dataclass
class World:
    section: Section
    head: User
    deputy: User
    member: User
    member2: User
    outsider: User
    staff: User

    def ask(self, author=None, **kwargs) -> Topic:
        fields = {
            "kind": "question",
            "title": "予約の電話が混み合います",
            "body": "どうしていますか？",
        }
        fields.update(kwargs)
        result = services.topic_create(
            section_id=self.section.pk, author=author or self.member, **fields
        )
        return result.topic

    def reply(self, topic, author=None, body="うちではこうしています。", **kwargs):
        return services.reply_create(
            topic_id=topic.pk, author=author or self.member2, body=body, **kwargs
        ).post

    def restrict(self) -> None:
        SectionSetting.objects.update_or_create(
            section=self.section, defaults={"reading": SectionSetting.Reading.SECTION}
        )
        self.section = Section.objects.select_related("discussion_setting").get(pk=self.section.pk)


@pytest.fixture
def world(db, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path
    section = SectionFactory(name="コロナ対策テスト課", slug="corona-test")
    head = MemberFactory(full_name="課長 一郎")
    deputy = MemberFactory(full_name="補佐 二郎")
    member = MemberFactory(full_name="質問 花子", local_government=local_government("131016"))
    member2 = MemberFactory(full_name="回答 太郎", local_government=local_government("271004"))
    outsider = MemberFactory(full_name="外部 三郎", local_government=local_government("011002"))
    staff = StaffFactory(full_name="事務局 四郎")
    SectionMembership.objects.create(section=section, user=head, role="head")
    SectionMembership.objects.create(section=section, user=deputy, role="deputy")
    SectionMembership.objects.create(section=section, user=member, role="member")
    SectionMembership.objects.create(section=section, user=member2, role="member")
    return World(section, head, deputy, member, member2, outsider, staff)
