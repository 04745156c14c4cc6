"""Sections: join policies, requests, invitations, heads, meetings."""

from __future__ import annotations

import pytest
from django.utils import timezone

from events.models import Event, Registration
from events.services import RegistrationError, registration_rsvp
from outbox.models import OutgoingMail
from sections import services
from sections.models import Invitation, JoinRequest, Meeting, SectionMembership
from tests.factories import MemberFactory, SectionFactory, SectionMembershipFactory

pytestmark = pytest.mark.django_db
Role = SectionMembership.Role
td = timezone.timedelta


@pytest.fixture
def section():
    return SectionFactory()


@pytest.fixture
def head(section):
    return SectionMembershipFactory(section=section, role=Role.HEAD).user


def test_open_section_join_is_immediate_and_idempotent(section):
    user = MemberFactory()
    first = services.section_join(section_id=section.pk, user=user)
    second = services.section_join(section_id=section.pk, user=user)
    assert first.pk == second.pk and first.role == Role.MEMBER


def test_approval_section_needs_a_request_and_a_head(section, head):
    section.join_policy = "approval"
    section.save()
    user = MemberFactory()
    with pytest.raises(services.SectionError, match="承認制"):
        services.section_join(section_id=section.pk, user=user)
    request = services.join_request_create(section_id=section.pk, user=user, message="よろしく")
    again = services.join_request_create(section_id=section.pk, user=user)
    assert again.pk == request.pk
    mail = OutgoingMail.objects.get(template="sections_join_request")
    assert mail.recipient == head and "よろしく" in mail.body
    # A plain member cannot decide.
    plain = SectionMembershipFactory(section=section).user
    with pytest.raises(services.SectionError):
        services.join_request_decide(request_id=request.pk, actor=plain, accept=True)
    services.join_request_decide(request_id=request.pk, actor=head, accept=True, message="ようこそ")
    assert SectionMembership.objects.filter(section=section, user=user).exists()
    decided = OutgoingMail.objects.get(template="sections_join_decided")
    assert decided.recipient == user and "ようこそ" in decided.body
    # Deciding again changes nothing.
    services.join_request_decide(request_id=request.pk, actor=head, accept=False)
    assert JoinRequest.objects.get(pk=request.pk).status == "accepted"


def test_decline_with_message(section, head):
    section.join_policy = "approval"
    section.save()
    user = MemberFactory()
    request = services.join_request_create(section_id=section.pk, user=user)
    services.join_request_decide(
        request_id=request.pk, actor=head, accept=False, message="今回は見送ります"
    )
    assert not SectionMembership.objects.filter(section=section, user=user).exists()
    assert "今回は見送ります" in OutgoingMail.objects.get(template="sections_join_decided").body


def test_invite_only_section(section, head):
    section.join_policy = "invite"
    section.save()
    user = MemberFactory()
    with pytest.raises(services.SectionError, match="招待制"):
        services.section_join(section_id=section.pk, user=user)
    services.invitation_create(section_id=section.pk, actor=head, user=user)
    services.section_join(section_id=section.pk, user=user)
    assert Invitation.objects.get(user=user).status == "accepted"


def test_closed_section_refuses_joins(section):
    section.status = "closed"
    section.save()
    with pytest.raises(services.SectionError, match="廃止"):
        services.section_join(section_id=section.pk, user=MemberFactory())


def test_last_head_cannot_leave_but_hands_over(section, head):
    other = SectionMembershipFactory(section=section).user
    with pytest.raises(services.SectionError, match="交代"):
        services.section_leave(section_id=section.pk, user=head)
    services.headship_hand_over(section_id=section.pk, actor=head, to_user_id=other.pk)
    roles = dict(SectionMembership.objects.values_list("user_id", "role"))
    assert roles == {head.pk: Role.MEMBER, other.pk: Role.HEAD}
    services.section_leave(section_id=section.pk, user=head)
    assert not SectionMembership.objects.filter(user=head).exists()


def test_hand_over_only_to_a_member_and_only_by_the_head(section, head):
    outsider = MemberFactory()
    with pytest.raises(services.SectionError, match="メンバーから"):
        services.headship_hand_over(section_id=section.pk, actor=head, to_user_id=outsider.pk)
    deputy = SectionMembershipFactory(section=section, role=Role.DEPUTY).user
    member = SectionMembershipFactory(section=section).user
    with pytest.raises(services.SectionError):
        services.headship_hand_over(section_id=section.pk, actor=deputy, to_user_id=member.pk)


def test_heads_remove_members_deputies_cannot_remove_heads(section, head):
    deputy = SectionMembershipFactory(section=section, role=Role.DEPUTY).user
    member = SectionMembershipFactory(section=section).user
    with pytest.raises(services.SectionError):
        services.member_remove(section_id=section.pk, actor=deputy, user_id=head.pk)
    services.member_remove(section_id=section.pk, actor=deputy, user_id=member.pk)
    assert not SectionMembership.objects.filter(user=member).exists()
    with pytest.raises(services.SectionError):
        services.member_remove(section_id=section.pk, actor=member, user_id=deputy.pk)


def test_head_appoints_a_deputy(section, head):
    member = SectionMembershipFactory(section=section).user
    services.member_set_role(section_id=section.pk, actor=head, user_id=member.pk, role="deputy")
    assert SectionMembership.objects.get(user=member).role == Role.DEPUTY


def _times():
    start = timezone.now() + td(days=5)
    return {"starts_at": start, "ends_at": start + td(hours=1)}


def test_meeting_create_only_by_heads_and_reuses_the_event(section, head):
    plain = SectionMembershipFactory(section=section).user
    with pytest.raises(services.SectionError):
        services.meeting_create(section_id=section.pk, actor=plain, title="x", **_times())
    meeting = services.meeting_create(
        section_id=section.pk,
        actor=head,
        title="第1回",
        capacity=1,
        join_url="https://meet.example.jp/a",
        **_times(),
    )
    assert meeting.event.kind == "section_meeting"
    assert meeting.event.reminder_offsets == [1440, 60]
    assert Meeting.objects.count() == 1 and Event.objects.filter(kind="section_meeting").count()


def test_meeting_update_notifies_and_cancel_stops_everything(section, head):
    meeting = services.meeting_create(
        section_id=section.pk, actor=head, title="第1回", join_url="https://m.example/a", **_times()
    )
    registration_rsvp(event_id=meeting.event.pk, user=head, going=True)
    later = meeting.event.starts_at + td(days=1)
    services.meeting_update(
        meeting_id=meeting.pk, actor=head, starts_at=later, ends_at=later + td(hours=2)
    )
    assert OutgoingMail.objects.filter(template="events_changed", recipient=head).count() == 1
    services.meeting_cancel(meeting_id=meeting.pk, actor=head)
    assert OutgoingMail.objects.filter(template="events_cancelled").count() == 1
    with pytest.raises(RegistrationError, match="中止"):
        services.meeting_update(meeting_id=meeting.pk, actor=head, title="復活")
    assert Registration.objects.get().status == "going"  # kept, but the event is cancelled


def test_member_of_section_may_rsvp_to_section_only_meeting_after_joining(section, head):
    meeting = services.meeting_create(
        section_id=section.pk, actor=head, title="第1回", join_url="https://m.example/a", **_times()
    )
    user = MemberFactory()
    from events.services import RegistrationError

    with pytest.raises(RegistrationError):
        registration_rsvp(event_id=meeting.event.pk, user=user, going=True)
    services.section_join(section_id=section.pk, user=user)
    assert registration_rsvp(event_id=meeting.event.pk, user=user, going=True).outcome == "going"


def test_leaving_gives_back_seats_at_section_only_meetings(section, head):
    meeting = services.meeting_create(
        section_id=section.pk,
        actor=head,
        title="定員1",
        capacity=1,
        join_url="https://m.example/a",
        **_times(),
    )
    open_meeting = services.meeting_create(
        section_id=section.pk,
        actor=head,
        title="全員向け",
        audience="all",
        join_url="https://m.example/b",
        **_times(),
    )
    leaver = SectionMembershipFactory(section=section).user
    waiting = SectionMembershipFactory(section=section).user
    registration_rsvp(event_id=meeting.event.pk, user=leaver, going=True)
    registration_rsvp(event_id=meeting.event.pk, user=waiting, going=True)
    registration_rsvp(event_id=open_meeting.event.pk, user=leaver, going=True)
    services.section_leave(section_id=section.pk, user=leaver)
    status = dict(Registration.objects.filter(event=meeting.event).values_list("user_id", "status"))
    assert status == {leaver.pk: "cancelled", waiting.pk: "going"}
    # The all-member meeting is not the section's to take away.
    assert Registration.objects.get(event=open_meeting.event, user=leaver).status == "going"
