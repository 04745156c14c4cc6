"""Browser journey: join a section → RSVP → the personal join link appears at the right time."""

from __future__ import annotations

import pytest
from django.utils import timezone

from events.models import Registration
from tests.e2e.helpers import sign_in
from tests.factories import MeetingFactory, MemberFactory, SectionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
td = timezone.timedelta


def test_join_section_rsvp_and_see_the_join_link(page):
    member = MemberFactory(full_name="横糸 花子")
    section = SectionFactory(name="E2E防災課", slug="e2e-bousai", type="work")
    soon = timezone.now() + td(minutes=10)
    now_meeting = MeetingFactory(
        section=section,
        event__title="まもなく始まる会",
        event__starts_at=soon,
        event__ends_at=soon + td(hours=1),
        event__join_url="https://meet.example.jp/room-now",
    )
    later = timezone.now() + td(hours=3)
    MeetingFactory(
        section=section,
        event__title="夜の会",
        event__starts_at=later,
        event__ends_at=later + td(hours=1),
    )
    sign_in(page, member)

    # Find the section in the directory with the htmx search; the URL keeps the filter.
    page.goto(page.base_url + "/sections/")
    page.get_by_label("課を探す").fill("E2E防災")
    page.wait_for_url("**/sections/?*q=E2E*")
    page.locator("#results").get_by_role("link", name="E2E防災課").click()
    page.wait_for_url("**/sections/e2e-bousai/")
    assert "メンバー一覧は、この課のメンバーだけが見られます" in page.content()

    # Join (htmx: the membership panel swaps without a reload).
    page.get_by_role("button", name="この課に参加する").click()
    page.locator("#membership").get_by_text("課員").wait_for()

    # The meeting that starts later: RSVP shows the seat but not yet a join link.
    page.get_by_role("link", name="夜の会").click()
    page.locator("button[value=going]").click()
    page.locator("[data-rsvp-status=going]").wait_for()
    assert page.locator("[data-join-link]").count() == 0
    assert "からここに表示されます" in page.locator(".rsvp").inner_text()

    # The meeting that starts in 10 minutes: the personal link appears right after RSVP.
    page.goto(page.base_url + now_meeting.get_absolute_url())
    page.locator("button[value=going]").click()
    link = page.locator("[data-join-link]")
    link.wait_for()
    href = link.get_attribute("href")
    token = Registration.objects.get(user=member, event=now_meeting.event).token
    assert href == f"/events/go/{token}/"
    assert "meet.example.jp" not in page.content()  # the raw URL is never on the page

    # The personal link redirects its owner to the meeting room and records the click.
    response = page.request.get(page.base_url + href, max_redirects=0)
    assert response.status == 302
    assert response.headers["location"] == "https://meet.example.jp/room-now"
    assert Registration.objects.get(token=token).first_clicked_at is not None

    # A meeting whose link opens in a few seconds: the page waits, then the link appears
    # by itself (the panel re-checks when the link opens) — no reload.
    opening = timezone.now() + td(minutes=15, seconds=4)
    about_to_open = MeetingFactory(
        section=section,
        event__title="まもなくリンクが開く会",
        event__starts_at=opening,
        event__ends_at=opening + td(hours=1),
    )
    page.goto(page.base_url + about_to_open.get_absolute_url())
    page.locator("button[value=going]").click()
    page.locator("[data-join-pending]").wait_for()
    assert page.locator("[data-join-link]").count() == 0
    page.locator("[data-join-link]").wait_for(timeout=20000)
    assert timezone.now() >= about_to_open.event.join_link_opens_at

    # Home shows my section and my upcoming events.
    page.goto(page.base_url + "/members/")
    assert "E2E防災課" in page.locator("#home-my-sections").locator("..").inner_text()
    upcoming = page.locator("#home-upcoming").locator("..").inner_text()
    assert "まもなく始まる会" in upcoming and "夜の会" in upcoming
    assert page.console_errors == []
    # Let the live server's request threads finish before the database is flushed.
    page.goto("about:blank")
    page.wait_for_timeout(500)
