"""Query counts with 60 sections, thousands of members and hundreds of meetings."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from events.models import Event, Registration
from sections.counts import recount_members
from sections.models import Meeting, Section, SectionMembership
from tests.factories import MemberFactory, local_government

pytestmark = pytest.mark.django_db
td = timezone.timedelta
MEMBERS = 3000
MEETINGS_PER_SECTION = 5  # 60 × 5 = 300 meetings


@pytest.fixture
def big_community():
    sections = list(Section.objects.order_by("id"))
    dept = sections[0].department
    while len(sections) < 60:
        n = len(sections)
        sections.append(
            Section.objects.create(
                department=dept, name=f"追加課{n}", slug=f"extra-{n}", type="work"
            )
        )
    lg = local_government()
    User.objects.bulk_create(
        [
            User(
                email=f"bulk{i}@city.example.lg.jp",
                full_name=f"会員 {i}",
                status=User.Status.APPROVED,
                affiliation_type="local_government",
                local_government=lg,
                password="!",
            )
            for i in range(MEMBERS)
        ]
    )
    users = list(User.objects.filter(email__startswith="bulk").order_by("id"))
    SectionMembership.objects.bulk_create(
        [
            SectionMembership(
                section=sections[(i + k) % len(sections)],
                user=user,
                role="head" if i < len(sections) and k == 0 else "member",
            )
            for i, user in enumerate(users)
            for k in range(3)
        ]
    )
    recount_members()  # bulk_create bypassed the services that keep Section.member_count
    now = timezone.now()
    events = Event.objects.bulk_create(
        [
            Event(
                kind="section_meeting",
                title=f"情報交換会 {s.pk}-{j}",
                starts_at=now + td(days=j * 3 - 6, hours=s.pk % 12),
                ends_at=now + td(days=j * 3 - 6, hours=s.pk % 12 + 1),
                join_url="https://meet.example.jp/x",
                capacity=20,
            )
            for s in sections
            for j in range(MEETINGS_PER_SECTION)
        ]
    )
    meetings = Meeting.objects.bulk_create(
        [
            Meeting(section=sections[i // MEETINGS_PER_SECTION], event=event)
            for i, event in enumerate(events)
        ]
    )
    Registration.objects.bulk_create(
        [
            Registration(event=m.event, user=users[(i * 7 + r) % MEMBERS], status="going")
            for i, m in enumerate(meetings)
            for r in range(10)
        ]
    )
    return {"sections": sections, "users": users, "meetings": meetings}


def test_directory_query_count(client, big_community, django_assert_max_num_queries):
    client.force_login(big_community["users"][0])
    # Session, user (with the bell's count and 投稿停止 as subqueries: core.plugins
    # .UserAnnotation), departments, sections, next meetings, the member's sections, topics.
    with django_assert_max_num_queries(7):
        response = client.get(reverse("sections:directory"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("data-section=") == 60
    assert "次回" in html
    with django_assert_max_num_queries(7):
        client.get(reverse("sections:directory"), {"type": "work", "q": "課"}, HTTP_HX_REQUEST="1")


def test_section_page_query_count(client, big_community, django_assert_max_num_queries):
    section = big_community["sections"][0]
    user = SectionMembership.objects.filter(section=section, role="head").first().user
    client.force_login(user)
    # Issue 18's 12 (the bell and 投稿停止 are subqueries of the user's query).
    with django_assert_max_num_queries(12):
        response = client.get(reverse("sections:detail", args=[section.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    members = SectionMembership.objects.filter(section=section).count()
    assert members > 100
    assert f"メンバー（{members}人）" in html
    assert html.count("<tr>") == 1 + min(members, 50)  # header + one page of 50
    with django_assert_max_num_queries(12):
        page2 = client.get(reverse("sections:detail", args=[section.slug]), {"page": 2})
    assert page2.status_code == 200


def test_meeting_page_query_count(client, big_community, django_assert_max_num_queries):
    meeting = big_community["meetings"][3]
    client.force_login(big_community["users"][0])
    with django_assert_max_num_queries(12):
        response = client.get(meeting.get_absolute_url())
    assert response.status_code == 200


def test_member_home_query_count(client, big_community, django_assert_max_num_queries):
    user = big_community["users"][1]
    client.force_login(user)
    # 8, plus one query for each discussions panel (新着, 回答のない質問) and moderation's
    # panel; the bell and 投稿停止 are subqueries of the user's query.
    with django_assert_max_num_queries(12):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "参加している課" in response.content.decode()


def test_member_home_for_a_new_member(client, db, django_assert_max_num_queries):
    client.force_login(MemberFactory())
    with django_assert_max_num_queries(12):
        assert client.get(reverse("home")).status_code == 200
