"""Access to the events views: signed-in + the owner's visibility rule, tokens for feeds."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from core.access import APPLICANT, MEMBER, PUBLIC
from events import services
from events.models import Registration
from tests.core.test_url_policy import all_routes
from tests.factories import ApplicantFactory, MemberFactory, SectionMembershipFactory

pytestmark = pytest.mark.django_db
td = timezone.timedelta


def test_events_routes_have_the_documented_policies():
    policies = {route: policy for route, policy in all_routes() if route.startswith("events/")}
    assert policies == {
        "events/<int:event_id>/rsvp/": APPLICANT,
        "events/<int:event_id>/event.ics": APPLICANT,
        "events/go/<str:token>/": APPLICANT,
        "events/calendar/": MEMBER,
        "events/calendar/regenerate/": MEMBER,
    }
    feeds = {route: policy for route, policy in all_routes() if route.startswith("calendar/")}
    # The private feed, and a series' calendar for subscriptions (sections), both
    # authorised by the member's feed token.
    assert feeds == {
        "calendar/<str:token>.ics": PUBLIC,
        "calendar/<str:token>/series/<int:series_id>.ics": PUBLIC,
    }


def test_anonymous_is_sent_to_login(client, meeting):
    response = client.post(reverse("events:rsvp", args=[meeting.event.pk]), {"action": "going"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(reverse("events:calendar")).status_code == 302


def test_applicant_cannot_see_or_rsvp_to_a_section_meeting(client, meeting):
    client.force_login(ApplicantFactory())
    url = reverse("events:rsvp", args=[meeting.event.pk])
    assert client.post(url, {"action": "going"}).status_code == 404
    assert client.get(reverse("events:ics", args=[meeting.event.pk])).status_code == 404
    assert not Registration.objects.exists()


def test_suspended_member_loses_the_personal_link(client, meeting):
    user = SectionMembershipFactory(section=meeting.section).user
    registration = services.registration_rsvp(
        event_id=meeting.event.pk, user=user, going=True
    ).registration
    user.status = user.Status.SUSPENDED
    user.save()
    client.force_login(user)
    assert client.get(reverse("events:go", args=[registration.token])).status_code == 404


def test_too_early_link_explains_and_does_not_record(client, meeting):
    user = SectionMembershipFactory(section=meeting.section).user
    registration = services.registration_rsvp(
        event_id=meeting.event.pk, user=user, going=True
    ).registration
    client.force_login(user)
    response = client.get(reverse("events:go", args=[registration.token]))
    assert response.status_code == 200
    assert "まだ開いていません" in response.content.decode()
    assert meeting.event.join_url not in response.content.decode()
    registration.refresh_from_db()
    assert registration.first_clicked_at is None


@pytest.mark.parametrize("minutes", [15, 30])
def test_too_early_link_says_how_long_before_the_start_it_opens(client, meeting, settings, minutes):
    """Issue 10 §1: the page members open from their mail said 「開始0分前」."""
    settings.EVENTS_JOIN_LINK_OPENS_MINUTES = minutes
    user = SectionMembershipFactory(section=meeting.section).user
    registration = services.registration_rsvp(
        event_id=meeting.event.pk, user=user, going=True
    ).registration
    client.force_login(user)
    html = client.get(reverse("events:go", args=[registration.token])).content.decode()
    opens = timezone.localtime(meeting.event.starts_at - td(minutes=minutes))
    assert f"開始{minutes}分前（{opens.month}月{opens.day}日 {opens:%H:%M}）から使えます" in html
    assert "開始0分前" not in html
    # The meeting page's RSVP panel says the same.
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert f"参加リンクは開始{minutes}分前（{opens.month}月{opens.day}日 {opens:%H:%M}）" in page


def test_calendar_page_shows_feed_url_and_regenerates(client):
    user = MemberFactory()
    client.force_login(user)
    html = client.get(reverse("events:calendar")).content.decode()
    token = user.calendar_feed.token
    assert f"/calendar/{token}.ics" in html
    client.post(reverse("events:calendar_regenerate"))
    user.calendar_feed.refresh_from_db()
    assert user.calendar_feed.token != token


def test_rsvp_without_action_is_a_clear_error(client, meeting):
    user = SectionMembershipFactory(section=meeting.section).user
    client.force_login(user)
    response = client.post(
        reverse("events:rsvp", args=[meeting.event.pk]), {}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert "操作を選んでください" in response.content.decode()


def test_next_parameter_cannot_redirect_off_site(client, meeting):
    user = SectionMembershipFactory(section=meeting.section).user
    client.force_login(user)
    response = client.post(
        reverse("events:rsvp", args=[meeting.event.pk]),
        {"action": "going", "next": "https://evil.example/"},
    )
    assert response["Location"] == meeting.get_absolute_url()


@pytest.mark.parametrize("target", ["abc", "events:calendar", "https://evil.example/", "//x.jp/"])
def test_rsvp_next_that_is_not_a_path_on_this_site_falls_back_to_the_event(client, target):
    # A bare word was handed to redirect(), which tried to reverse it as a view name (500).
    section = SectionMembershipFactory().section
    member = SectionMembershipFactory(section=section).user
    from tests.factories import MeetingFactory

    meeting = MeetingFactory(section=section)
    client.force_login(member)
    response = client.post(
        reverse("events:rsvp", args=[meeting.event_id]), {"action": "going", "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == meeting.get_absolute_url()
