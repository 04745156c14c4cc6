"""Heads' pages: requests, members, headship, meetings edit/cancel — through the views."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Registration
from events.services import registration_rsvp
from outbox.models import OutgoingMail
from sections.models import JoinRequest, SectionMembership
from tests.factories import MeetingFactory, MemberFactory, SectionFactory, SectionMembershipFactory

pytestmark = pytest.mark.django_db
td = timezone.timedelta


@pytest.fixture
def section():
    return SectionFactory(join_policy="approval")


@pytest.fixture
def head(client, section):
    user = SectionMembershipFactory(section=section, role="head").user
    client.force_login(user)
    return user


def test_head_sees_and_accepts_a_request_with_a_message(client, section, head):
    applicant = MemberFactory(full_name="申請 太郎")
    join_request = JoinRequest.objects.create(section=section, user=applicant, message="参加希望")
    html = client.get(reverse("sections:detail", args=[section.slug])).content.decode()
    assert "申請 太郎" in html and "参加希望" in html
    response = client.post(
        reverse("sections:request_decide", args=[section.slug, join_request.pk]),
        {"decision": "accept", "message": "ようこそ！"},
    )
    assert response.status_code == 302
    assert SectionMembership.objects.filter(section=section, user=applicant).exists()
    assert "ようこそ！" in OutgoingMail.objects.get(template="sections_join_decided").body


def test_request_of_another_section_is_404(client, section, head):
    other = JoinRequest.objects.create(section=SectionFactory(), user=MemberFactory())
    response = client.post(
        reverse("sections:request_decide", args=[section.slug, other.pk]), {"decision": "accept"}
    )
    assert response.status_code == 404
    assert JoinRequest.objects.get(pk=other.pk).status == "pending"


def test_plain_member_cannot_decide(client, section):
    member = SectionMembershipFactory(section=section).user
    join_request = JoinRequest.objects.create(section=section, user=MemberFactory())
    client.force_login(member)
    client.post(
        reverse("sections:request_decide", args=[section.slug, join_request.pk]),
        {"decision": "accept"},
        follow=True,
    )
    assert JoinRequest.objects.get(pk=join_request.pk).status == "pending"


def test_hand_over_and_remove_through_the_page(client, section, head):
    successor = SectionMembershipFactory(section=section).user
    someone = SectionMembershipFactory(section=section).user
    client.post(reverse("sections:member_remove", args=[section.slug, someone.pk]))
    assert not SectionMembership.objects.filter(user=someone).exists()
    client.post(reverse("sections:member_handover", args=[section.slug, successor.pk]))
    assert SectionMembership.objects.get(user=successor).role == "head"
    assert SectionMembership.objects.get(user=head).role == "member"
    # No longer head: the management pages are gone.
    assert client.get(reverse("sections:meeting_create", args=[section.slug])).status_code == 404


def test_removing_someone_not_in_the_section_is_404(client, section, head):
    stranger = MemberFactory()
    response = client.post(reverse("sections:member_remove", args=[section.slug, stranger.pk]))
    assert response.status_code == 404


def _edit_data(meeting, **over):
    event = meeting.event
    data = {
        "title": event.title,
        "description": event.description,
        "starts_at": timezone.localtime(event.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": timezone.localtime(event.ends_at).strftime("%Y-%m-%dT%H:%M"),
        "format": "online",
        "join_url": event.join_url,
        "place": "",
        "capacity": "",
        "rsvp_deadline": "",
        "audience": meeting.audience,
    }
    data.update(over)
    return data


def test_editing_the_time_notifies_editing_the_url_does_not(client, section, head):
    meeting = MeetingFactory(section=section)
    attendee = SectionMembershipFactory(section=section).user
    registration_rsvp(event_id=meeting.event.pk, user=attendee, going=True)
    url = reverse("sections:meeting_edit", args=[section.slug, meeting.pk])
    response = client.post(url, _edit_data(meeting, join_url="https://meet.example.jp/other"))
    assert response.status_code == 302
    meeting.event.refresh_from_db()
    assert meeting.event.join_url == "https://meet.example.jp/other"
    assert meeting.event.sequence == 0
    assert not OutgoingMail.objects.exists()
    later = timezone.localtime(meeting.event.starts_at) + td(days=1)
    client.post(
        url,
        _edit_data(
            meeting,
            starts_at=later.strftime("%Y-%m-%dT%H:%M"),
            ends_at=(later + td(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        ),
    )
    meeting.event.refresh_from_db()
    assert meeting.event.sequence == 1
    assert OutgoingMail.objects.get(template="events_changed").recipient == attendee


def test_cancel_through_the_page(client, section, head):
    meeting = MeetingFactory(section=section)
    attendee = SectionMembershipFactory(section=section).user
    registration_rsvp(event_id=meeting.event.pk, user=attendee, going=True)
    client.post(reverse("sections:meeting_cancel", args=[section.slug, meeting.pk]))
    meeting.event.refresh_from_db()
    assert meeting.event.is_cancelled
    assert OutgoingMail.objects.get(template="events_cancelled").recipient == attendee
    html = client.get(meeting.get_absolute_url()).content.decode()
    assert "中止" in html
    assert Registration.objects.get().status == "going"


def test_tampered_meeting_slug_is_404(client, section, head):
    meeting = MeetingFactory()  # another section
    url = reverse("sections:meeting", args=[section.slug, meeting.pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("action", ["member_remove", "member_role", "member_handover"])
def test_an_overflowing_member_id_is_404_not_500(client, section, head, action):
    # <int:user_id> accepts any digits; the membership lookup must not pass a value larger
    # than the database integer to the database (SQLite OverflowError, PostgreSQL error).
    url = reverse(f"sections:{action}", args=[section.slug, 99999999999999999999])
    response = client.post(url, {"role": "member"})
    assert response.status_code == 404


def test_management_actions_are_404_for_a_member_who_is_not_a_head(client, section):
    # They answered 302 with an error message, so a plain member could tell which of the
    # section's people exist; the docs and the rule say 404.
    SectionMembershipFactory(section=section, role="head")
    plain = SectionMembershipFactory(section=section, role="member").user
    other = SectionMembershipFactory(section=section, role="member").user
    join_request = JoinRequest.objects.create(section=section, user=MemberFactory())
    client.force_login(plain)
    posts = [
        (reverse("sections:request_decide", args=[section.slug, join_request.pk]),
         {"decision": "accept"}),
        (reverse("sections:member_remove", args=[section.slug, other.pk]), {}),
        (reverse("sections:member_role", args=[section.slug, other.pk]), {"role": "head"}),
        (reverse("sections:member_handover", args=[section.slug, other.pk]), {}),
        (reverse("sections:invite", args=[section.slug]), {"email": other.email}),
    ]  # fmt: skip
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING
    assert SectionMembership.objects.get(section=section, user=other).role == "member"
