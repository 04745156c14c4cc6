"""Browser journey: search from the header, filter to 解決済み (live, htmx), open a
result; start a new question and see 似た質問 appear under the title while typing."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from discussions import services as ds
from sections.models import SectionMembership
from tests.e2e.helpers import sign_in
from tests.factories import MemberFactory, SectionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_header_search_filter_solved_open_result_and_similar_questions(page, settings):
    settings.DISCUSSIONS_RATE_LIMIT = 1000
    section = SectionFactory(name="E2E検索課", slug="e2e-search")
    head = MemberFactory(full_name="課長 一郎")
    member = MemberFactory(full_name="会員 花子")
    SectionMembership.objects.create(section=section, user=head, role="head")
    SectionMembership.objects.create(section=section, user=member, role="member")
    solved = ds.topic_create(
        section_id=section.pk,
        author=head,
        kind="question",
        title="ワクチン接種の予約方法",
        body="電話予約が混み合います。",
    ).topic
    answer = ds.reply_create(topic_id=solved.pk, author=member, body="Web予約を併用しました。").post
    ds.answer_mark(topic_id=solved.pk, post_id=answer.pk, actor=head)
    ds.topic_create(
        section_id=section.pk,
        author=head,
        kind="question",
        title="予約システムの更新時期",
        body="まだ解決していません。",
    )

    sign_in(page, member)
    page.goto(page.base_url + reverse("home"))
    box = page.get_by_role("search").get_by_label("サイト内を検索")
    box.fill("予約")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    results = page.locator("#search-results")
    results.get_by_text("ワクチン接種の").first.wait_for()
    assert results.locator(".search-item").count() >= 3  # two topics and the reply
    assert results.locator("mark", has_text="予約").count() >= 2

    page.get_by_label("解決").select_option("solved")  # htmx swaps the results
    page.wait_for_url(re.compile(r"state=solved"))
    page.wait_for_function("document.querySelectorAll('#search-results .search-item').length === 1")
    assert "予約システムの更新時期" not in results.inner_text()
    results.get_by_role("link", name=re.compile("ワクチン接種の")).click()
    page.wait_for_url(f"**{solved.get_absolute_url()}")
    page.get_by_role("heading", name="ワクチン接種の予約方法").wait_for()

    # 似た質問 while typing a new question's title
    page.goto(page.base_url + reverse("discussions:topic_new", args=[section.slug]))
    page.get_by_label("題名").press_sequentially("ワクチン接種の予約を", delay=30)
    similar = page.locator("#similar-questions [data-similar]")
    similar.wait_for()
    assert "似た質問" in similar.inner_text()
    assert similar.get_by_role("link", name=re.compile("ワクチン接種の")).count() == 1
    assert not page.console_errors, page.console_errors
