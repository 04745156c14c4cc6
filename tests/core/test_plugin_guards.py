"""The two registries feature apps use to stop writes and to report what staff owe:
`plugins.WriteGuard` (投稿停止, 年度更新の要確認) and `plugins.OverdueReview`."""

from __future__ import annotations

import pytest

from accounts import services as account_services
from core import plugins
from discussions import selectors as discussion_selectors
from discussions import services as discussion_services
from discussions.models import Topic
from events.models import Registration
from events.services import RegistrationError, registration_rsvp
from outbox.models import OutgoingMail
from sections import services as section_services
from sections.models import SectionMembership
from sections.services import SectionError
from tests.factories import (
    ApplicantFactory,
    MeetingFactory,
    MemberFactory,
    SectionFactory,
    SectionMembershipFactory,
    StaffFactory,
)

REASON = "投稿停止中です（12月9日まで）。"


@pytest.fixture
def silenced():
    member = MemberFactory()
    plugins.register_write_guard(
        plugins.WriteGuard("test-guard", lambda user: REASON if user.pk == member.pk else None)
    )
    yield member
    plugins._write_guards.pop("test-guard", None)


@pytest.mark.django_db
def test_a_write_guard_stops_posting_rsvp_and_joining_and_nothing_is_saved(silenced):
    section = SectionFactory()
    SectionMembershipFactory(section=section, user=silenced)
    assert discussion_selectors.posting_refusal(user=silenced, section=section) == REASON
    with pytest.raises(Exception) as raised:
        discussion_services.topic_create(
            section_id=section.pk, author=silenced, kind="question", title="題名です", body="本文"
        )
    assert REASON in str(raised.value)
    assert not Topic.objects.exists()

    meeting = MeetingFactory(section=section)
    with pytest.raises(RegistrationError) as raised:
        registration_rsvp(event_id=meeting.event_id, user=silenced, going=True)
    assert raised.value.code == "refused" and str(raised.value) == REASON
    assert not Registration.objects.exists()

    other = SectionFactory()
    with pytest.raises(SectionError) as raised:
        section_services.section_join(section_id=other.pk, user=silenced)
    assert str(raised.value) == REASON
    assert not SectionMembership.objects.filter(section=other, user=silenced).exists()


@pytest.mark.django_db
def test_a_write_guard_leaves_others_and_staff_alone(silenced):
    section = SectionFactory()
    someone = MemberFactory()
    SectionMembershipFactory(section=section, user=someone)
    assert discussion_selectors.posting_refusal(user=someone, section=section) is None
    assert plugins.write_refusal(StaffFactory()) is None
    meeting = MeetingFactory(section=section)
    assert registration_rsvp(event_id=meeting.event_id, user=someone, going=True)


@pytest.mark.django_db
def test_the_staff_overdue_mail_lists_every_registered_review_once_a_day(settings):
    from django.utils import timezone

    StaffFactory(email="boss@yokoito.example")
    old = ApplicantFactory(submitted_at=timezone.now() - timezone.timedelta(hours=50))
    plugins.register_overdue_review(
        plugins.OverdueReview(
            "test-review", "5日を過ぎた通報", lambda now: ["通報 #7：6 日待ち"], url="/admin/x/"
        )
    )
    try:
        assert account_services.applications_overdue_notify() == 1
        assert account_services.applications_overdue_notify() == 0
    finally:
        plugins._overdue.pop("test-review", None)
    row = OutgoingMail.objects.get(template="vetting_overdue")
    assert old.email in row.body
    assert "5日を過ぎた通報（1 件）" in row.body and "通報 #7：6 日待ち" in row.body
    assert "/admin/x/" in row.body and "2 件" in row.subject
