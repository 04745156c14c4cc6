"""Browser journey: a member finds tonight's broadcast, follows the programme, then browses
the schedule week by week and searches the archive (htmx, URL kept)."""

import datetime as dt

import pytest
from django.utils import timezone

from broadcasts.models import Follow
from tests.e2e.helpers import sign_in
from tests.factories import EpisodeFactory, GuestFactory, MemberFactory, ProgrammeFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_member_finds_tonight_and_follows_the_programme(page):
    member = MemberFactory()
    programme = ProgrammeFactory(name="横糸ナイト", slug="night")
    now = timezone.now()
    tonight = EpisodeFactory(
        programme=programme,
        air_date=timezone.localdate(now + dt.timedelta(hours=2)),
        starts_at=now + dt.timedelta(hours=2),
        title="窓口DXの最前線",
    )
    GuestFactory(episode=tonight, name="小林 彩", affiliation="デジタル庁")
    EpisodeFactory(
        programme=programme,
        air_date=timezone.localdate(now - dt.timedelta(days=3)),
        starts_at=now - dt.timedelta(days=3),
        title="防災訓練をどう変えるか",
        archive_url="https://video.example.jp/1",
    )
    sign_in(page, member)

    page.goto(page.base_url + "/members/")
    page.get_by_role("link", name="庁内放送").first.click()
    page.wait_for_url("**/broadcasts/")
    assert page.locator("h1").inner_text() == "今夜の庁内放送"
    featured = page.locator(".bc-featured")
    assert "窓口DXの最前線" in featured.inner_text()
    assert "小林 彩（デジタル庁）" in featured.inner_text()

    # Follow with htmx: the box is swapped in place, no page load.
    page.evaluate("window.__marker = 1")
    page.get_by_role("button", name="「横糸ナイト」をフォロー").click()
    page.locator(".bc-follow >> text=フォロー中").wait_for()
    assert page.evaluate("window.__marker") == 1
    assert Follow.objects.filter(user=member, programme=programme).exists()

    # The weekly schedule moves a week with htmx and keeps the week in the URL.
    page.get_by_role("link", name="今週の番組表を見る").click()
    page.wait_for_url("**/broadcasts/schedule/")
    heading = page.locator("#week-heading").inner_text()
    page.evaluate("window.__marker = 2")
    page.get_by_role("link", name="次の週 →").click()
    page.wait_for_url("**/broadcasts/schedule/?week=*")
    page.wait_for_function(
        "h => document.querySelector('#week-heading').innerText !== h", arg=heading
    )
    assert page.evaluate("window.__marker") == 2
    page.reload()
    assert page.locator("#week-heading").inner_text() != heading

    # The archive search narrows the list as you type and keeps the query in the URL.
    page.goto(page.base_url + "/broadcasts/archive/")
    page.get_by_label("キーワード").fill("防災")
    page.wait_for_url("**/broadcasts/archive/?q=*")
    assert "防災訓練をどう変えるか" in page.locator("#results").inner_text()

    # Unfollow from the programme page.
    page.goto(page.base_url + "/broadcasts/programmes/night/")
    page.get_by_role("button", name="フォローを解除").click()
    page.get_by_role("button", name="「横糸ナイト」をフォロー").wait_for()
    assert not Follow.objects.filter(user=member).exists()

    assert page.console_errors == []
    # (A favicon fetch aborted by a navigation shows up as "failed"; htmx calls must not.)
    assert [url for url in page.failed_requests if "/broadcasts/" in url] == []


def test_follow_works_without_javascript(browser, live_server, local_governments):
    context = browser.new_context(java_script_enabled=False, locale="ja-JP")
    page = context.new_page()
    page.base_url = live_server.url
    member = MemberFactory()
    programme = ProgrammeFactory(name="週末サロン", slug="salon")
    EpisodeFactory(programme=programme, starts_at=timezone.now() + dt.timedelta(hours=1))
    sign_in(page, member)
    page.goto(page.base_url + "/broadcasts/")
    page.get_by_role("button", name="「週末サロン」をフォロー").click()
    page.wait_for_load_state()
    assert "をフォローしました" in page.content()
    assert page.url.endswith("/broadcasts/")
    assert Follow.objects.filter(user=member, programme=programme).exists()
    page.goto(page.base_url + "/broadcasts/schedule/")
    page.get_by_role("link", name="次の週 →").click()
    page.wait_for_load_state()
    assert "?week=" in page.url
    context.close()
