"""Issue 10 §10: a head was told of join requests only by mail."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sections import services
from sections.selectors import sections_with_pending_requests
from tests.factories import MemberFactory, SectionFactory, SectionMembershipFactory

pytestmark = pytest.mark.django_db


def panel_of(html: str) -> str:
    start = html.index("data-join-requests")
    return html[start : html.index("</section>", start)]


@pytest.fixture
def head_with_requests(db):
    head = MemberFactory(full_name="課長 太郎")
    bousai = SectionFactory(name="防災課", slug="t10-bousai", join_policy="approval")
    kankou = SectionFactory(name="観光課", slug="t10-kankou", join_policy="approval")
    quiet = SectionFactory(name="静かな課", slug="t10-quiet", join_policy="approval")
    SectionMembershipFactory(section=bousai, user=head, role="head")
    SectionMembershipFactory(section=kankou, user=head, role="deputy")
    SectionMembershipFactory(section=quiet, user=head, role="head")
    for _ in range(2):
        services.join_request_create(section_id=bousai.pk, user=MemberFactory())
    services.join_request_create(section_id=kankou.pk, user=MemberFactory())
    return head, bousai, kankou


def test_a_heads_home_shows_pending_requests_with_their_count(client, head_with_requests):
    head, bousai, kankou = head_with_requests
    client.force_login(head)
    panel = panel_of(client.get(reverse("home")).content.decode())
    assert "承認待ちの参加申請" in panel
    assert '<span class="badge badge--warning" data-pending-total>3件</span>' in panel
    assert f'<a href="/sections/{bousai.slug}/#requests">防災課</a>：2件' in panel
    assert f'<a href="/sections/{kankou.slug}/#requests">観光課</a>：1件' in panel
    assert "静かな課" not in panel


def test_the_count_drops_when_a_request_is_decided(client, head_with_requests):
    head, bousai, kankou = head_with_requests
    client.force_login(head)
    request = bousai.join_requests.filter(status="pending").first()
    client.post(
        reverse("sections:request_decide", args=[bousai.slug, request.pk]), {"decision": "accept"}
    )
    request = kankou.join_requests.get(status="pending")
    client.post(
        reverse("sections:request_decide", args=[kankou.slug, request.pk]),
        {"decision": "decline"},
    )
    panel = panel_of(client.get(reverse("home")).content.decode())
    assert "data-pending-total>1件<" in panel and "観光課" not in panel


def test_no_panel_for_members_without_requests_to_decide(client, head_with_requests):
    _head, bousai, _kankou = head_with_requests
    plain = SectionMembershipFactory(section=bousai).user
    client.force_login(plain)
    assert "data-join-requests" not in client.get(reverse("home")).content.decode()


def test_the_section_page_shows_the_head_the_waiting_requests(client, head_with_requests):
    head, bousai, _kankou = head_with_requests
    client.force_login(head)
    html = client.get(reverse("sections:detail", args=[bousai.slug])).content.decode()
    notice = html[html.index("data-pending-requests") :]
    assert '<a href="#requests">承認待ちの参加申請が2件あります。</a>' in notice
    # The notice comes before the section's content, so it is seen without scrolling.
    assert html.index("data-pending-requests") < html.index('id="membership"')
    assert '<h3 id="requests">参加申請（承認待ち 2件）</h3>' in html
    # Not shown to an ordinary member of the section.
    client.force_login(SectionMembershipFactory(section=bousai).user)
    html = client.get(reverse("sections:detail", args=[bousai.slug])).content.decode()
    assert "data-pending-requests" not in html and 'id="requests"' not in html


def test_the_panel_is_one_query_however_many_sections(django_assert_num_queries):
    head = MemberFactory()
    for i in range(20):
        section = SectionFactory(join_policy="approval")
        SectionMembershipFactory(section=section, user=head, role="head")
        for _ in range(i % 3):
            services.join_request_create(section_id=section.pk, user=MemberFactory())
    with django_assert_num_queries(1):
        sections = sections_with_pending_requests(user=head)
    assert len(sections) == 13 and sum(s.pending_count for s in sections) == 19
