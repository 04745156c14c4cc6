"""Sections pages: directory, section page, membership buttons, meetings, RSVP."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Registration
from sections.models import JoinRequest, Meeting, Section, SectionMembership
from tests.factories import (
    MeetingFactory,
    MemberFactory,
    SectionFactory,
    SectionMembershipFactory,
)

pytestmark = pytest.mark.django_db
td = timezone.timedelta
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def member(client):
    user = MemberFactory()
    client.force_login(user)
    return user


def test_reference_list_is_loaded_by_migration():
    # 58 from the community's list, plus 総合窓口 (discussions/migrations/0002).
    assert Section.objects.exclude(slug="madoguchi").count() == 58
    assert Section.objects.get(name="みんなの財政課").type == Section.Type.WORK
    assert Section.objects.get(name="コロナ対策本部").type == Section.Type.WORK
    assert Section.objects.get(name="図解・グラレコ課").type == Section.Type.SKILL
    assert Section.objects.get(name="子育てサロン").type == Section.Type.HOBBY
    assert Section.objects.get(name="バクる課").department.name == "企画部"


def test_directory_groups_by_department_and_filters(client, member):
    response = client.get(reverse("sections:directory"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "企画部" in html and "横断型機関・サークル" in html and "ビール部" in html
    response = client.get(reverse("sections:directory"), {"type": "hobby"})
    html = response.content.decode()
    assert "ビール部" in html and "法規課" not in html
    assert 'value="hobby" checked' in html


def test_directory_htmx_returns_only_results(client, member):
    response = client.get(reverse("sections:directory"), {"q": "財政"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="results"' in html
    assert "みんなの財政課" in html and "ビール部" not in html
    assert "HX-Request" in response["Vary"]


def test_directory_requires_membership(client):
    applicant = MemberFactory(status="submitted")
    client.force_login(applicant)
    assert client.get(reverse("sections:directory")).status_code == 302


def test_join_open_section_with_htmx_and_without(client, member):
    section = SectionFactory()
    response = client.post(reverse("sections:join", args=[section.slug]), **HTMX)
    assert response.status_code == 200
    assert "課員" in response.content.decode()
    assert SectionMembership.objects.filter(section=section, user=member).exists()
    response = client.post(reverse("sections:leave", args=[section.slug]))
    assert response.status_code == 302
    assert not SectionMembership.objects.filter(section=section, user=member).exists()


def test_the_htmx_join_answers_with_everything_the_join_changes(client, member):
    """Issue 10 §15: the count, the member list (instead of its notice) and the buttons."""
    section = SectionFactory()
    SectionMembershipFactory(section=section, user__full_name="先輩 一郎")
    response = client.post(reverse("sections:join", args=[section.slug]), **HTMX)
    html = response.content.decode()
    assert "<html" not in html and html.lstrip().startswith('<div id="section-page">')
    assert "メンバー 2人" in html and "メンバー（2人）" in html
    assert "先輩 一郎" in html and member.full_name in html
    assert "この課のメンバーだけが見られます" not in html
    assert "退出する" in html and "この課に参加する" not in html


def test_join_approval_section_is_refused_with_a_message_then_request(client, member):
    section = SectionFactory(join_policy="approval")
    response = client.post(reverse("sections:join", args=[section.slug]), **HTMX)
    assert response.status_code == 422
    assert "承認制" in response.content.decode()
    client.post(reverse("sections:request", args=[section.slug]), {"message": "よろしく"})
    assert JoinRequest.objects.get(section=section, user=member).status == "pending"


def test_member_list_only_for_section_members(client, member):
    section = SectionFactory()
    other = SectionMembershipFactory(section=section, user__full_name="見える 花子")
    html = client.get(reverse("sections:detail", args=[section.slug])).content.decode()
    assert "見える 花子" not in html
    assert "この課のメンバーだけが見られます" in html
    SectionMembershipFactory(section=section, user=member)
    html = client.get(reverse("sections:detail", args=[section.slug])).content.decode()
    assert other.user.full_name in html


def test_unknown_section_is_404(client, member):
    assert client.get("/sections/no-such-section/").status_code == 404


def _meeting_data(**over):
    start = timezone.localtime() + td(days=3)
    data = {
        "title": "第1回 情報交換会",
        "description": "自己紹介",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + td(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "format": "online",
        "join_url": "https://meet.example.jp/abc",
        "place": "",
        "capacity": "10",
        "rsvp_deadline": "",
        "audience": "section",
    }
    data.update(over)
    return data


def test_head_creates_a_meeting_in_jst(client, member):
    section = SectionFactory()
    SectionMembershipFactory(section=section, user=member, role="head")
    data = _meeting_data(starts_at="2030-04-05T21:00", ends_at="2030-04-05T22:30")
    response = client.post(reverse("sections:meeting_create", args=[section.slug]), data)
    assert response.status_code == 302
    meeting = Meeting.objects.get(section=section)
    assert timezone.localtime(meeting.event.starts_at).hour == 21
    assert meeting.event.starts_at.utcoffset() is not None
    assert meeting.event.starts_at.astimezone(datetime.UTC).hour == 12


def test_meeting_form_errors_are_japanese_and_422_for_htmx(client, member):
    section = SectionFactory()
    SectionMembershipFactory(section=section, user=member, role="head")
    data = _meeting_data(ends_at="2020-01-01T00:00", join_url="", starts_at="2020-01-01T10:00")
    response = client.post(reverse("sections:meeting_create", args=[section.slug]), data, **HTMX)
    html = response.content.decode()
    assert response.status_code == 422
    assert "<html" not in html
    assert "開始日時は未来の日時にしてください。" in html
    assert "終了日時は開始日時より後にしてください。" in html
    assert "オンライン開催では参加URLを入力してください。" in html
    assert not Meeting.objects.exists()


def test_non_head_cannot_open_meeting_form(client, member):
    section = SectionFactory()
    SectionMembershipFactory(section=section, user=member)
    assert client.get(reverse("sections:meeting_create", args=[section.slug])).status_code == 404


def test_rsvp_plain_post_and_htmx(client, member):
    meeting = MeetingFactory()
    SectionMembershipFactory(section=meeting.section, user=member)
    url = reverse("events:rsvp", args=[meeting.event.pk])
    response = client.post(url, {"action": "going"})
    assert response.status_code == 302
    assert response["Location"] == meeting.get_absolute_url()
    response = client.post(url, {"action": "going"}, **HTMX)  # double click
    assert response.status_code == 200
    assert "すでにその内容で登録されています" in response.content.decode()
    assert Registration.objects.filter(user=member).count() == 1


def test_rsvp_outsider_gets_a_clear_message_and_nothing_changes(client, member):
    meeting = MeetingFactory()
    response = client.post(
        reverse("events:rsvp", args=[meeting.event.pk]), {"action": "going"}, **HTMX
    )
    assert response.status_code == 422
    assert "メンバー限定" in response.content.decode()
    assert not Registration.objects.exists()


def test_rsvp_tampered_event_id_is_404(client, member):
    assert client.post("/events/999999/rsvp/", {"action": "going"}).status_code == 404


def test_meeting_page_shows_the_join_link_only_when_open_and_never_the_url(client, member):
    soon = timezone.now() + td(minutes=10)
    meeting = MeetingFactory(event__starts_at=soon, event__ends_at=soon + td(hours=1))
    SectionMembershipFactory(section=meeting.section, user=member)
    client.post(reverse("events:rsvp", args=[meeting.event.pk]), {"action": "going"})
    html = client.get(meeting.get_absolute_url()).content.decode()
    token = Registration.objects.get(user=member).token
    assert f"/events/go/{token}/" in html
    assert meeting.event.join_url not in html
    later = MeetingFactory(section=meeting.section)
    client.post(reverse("events:rsvp", args=[later.event.pk]), {"action": "going"})
    html = client.get(later.get_absolute_url()).content.decode()
    assert "/events/go/" not in html
    assert "からここに表示されます" in html


def test_personal_link_redirects_owner_and_404s_for_others(client, member):
    soon = timezone.now() + td(minutes=5)
    meeting = MeetingFactory(event__starts_at=soon, event__ends_at=soon + td(hours=1))
    SectionMembershipFactory(section=meeting.section, user=member)
    client.post(reverse("events:rsvp", args=[meeting.event.pk]), {"action": "going"})
    token = Registration.objects.get(user=member).token
    response = client.get(f"/events/go/{token}/")
    assert response.status_code == 302
    assert response["Location"] == meeting.event.join_url
    assert Registration.objects.get(user=member).first_clicked_at is not None
    intruder = MemberFactory()
    client.force_login(intruder)
    assert client.get(f"/events/go/{token}/").status_code == 404
    assert client.get("/events/go/guessed-token/").status_code == 404


def test_ics_download(client, member):
    meeting = MeetingFactory()
    response = client.get(reverse("events:ics", args=[meeting.event.pk]))
    assert response.status_code == 200
    assert meeting.event.join_url.encode() not in response.content


def test_member_home_shows_my_sections_and_upcoming_events(client, member):
    meeting = MeetingFactory(event__title="防災の情報交換会")
    SectionMembershipFactory(section=meeting.section, user=member)
    client.post(reverse("events:rsvp", args=[meeting.event.pk]), {"action": "going"})
    html = client.get(reverse("home")).content.decode()
    assert meeting.section.name in html
    assert "防災の情報交換会" in html
    assert meeting.get_absolute_url() in html


def test_member_home_offers_the_personal_link_while_it_is_open(client, member):
    soon = timezone.now() + td(minutes=5)
    meeting = MeetingFactory(event__starts_at=soon, event__ends_at=soon + td(hours=1))
    SectionMembershipFactory(section=meeting.section, user=member)
    client.post(reverse("events:rsvp", args=[meeting.event.pk]), {"action": "going"})
    html = client.get(reverse("home")).content.decode()
    token = Registration.objects.get(user=member).token
    assert f"/events/go/{token}/" in html
    assert meeting.event.join_url not in html
