"""Browser journey (issue 15): three members report a reply, which hides; the section's
head finds it in their queue and decides 非表示; the author and the reporters get their
notices; staff silence the author for 7 days; the author's next post is refused with the
reason and the end date."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.jst import format_jst
from discussions import services as discussion_services
from discussions.models import Post
from moderation.models import Case, Penalty
from outbox.models import OutgoingMail
from sections.models import SectionMembership
from tests.e2e.helpers import sign_in
from tests.factories import MemberFactory, SectionFactory, StaffFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _as(page, user) -> None:
    page.context.clear_cookies()
    sign_in(page, user)


def test_reports_hide_head_decides_staff_silence_author_refused(page):
    section = SectionFactory(name="E2E市民課", slug="e2e-shimin")
    head = MemberFactory(full_name="課長 一郎")
    author = MemberFactory(full_name="投稿 花子")
    asker = MemberFactory(full_name="質問 次郎")
    reporters = [MemberFactory(full_name=f"報告 {n}") for n in ("一", "二", "三")]
    staff = StaffFactory(full_name="事務局 四郎")
    SectionMembership.objects.create(section=section, user=head, role="head")
    for user in (author, asker, *reporters):
        SectionMembership.objects.create(section=section, user=user, role="member")
    topic = discussion_services.topic_create(
        section_id=section.pk, author=asker, kind="question", title="窓口の順番待ち",
        body="工夫はありますか",
    ).topic  # fmt: skip
    reply = discussion_services.reply_create(
        topic_id=topic.pk, author=author, body="今日来た〇〇町の佐藤さんが大声で……"
    ).post
    topic_url = page.base_url + topic.get_absolute_url()

    # 1. Three members report the reply; after the third it is hidden.
    for reporter in reporters:
        _as(page, reporter)
        page.goto(topic_url)
        page.locator("[data-report='2']").click()
        page.get_by_role("heading", name="投稿を報告する").wait_for()
        page.get_by_label("不適切・ハラスメント").check()
        page.get_by_role("button", name="報告する").click()
        page.get_by_text("報告を受け付けました").wait_for()
    assert Post.objects.get(pk=reply.pk).hidden_at is not None
    page.goto(topic_url)
    assert page.get_by_text("佐藤さん").count() == 0

    # 2. The head finds it in their queue and decides 非表示.
    _as(page, head)
    page.goto(page.base_url + reverse("home"))
    page.get_by_role("link", name="審査の一覧へ").click()
    page.get_by_role("heading", name="報告の審査").wait_for()
    page.locator("[data-case] a").first.click()
    page.get_by_role("heading", name="返信への報告").wait_for()
    assert page.locator("[data-reported]").get_by_text("佐藤さん").count() == 1
    page.get_by_label("非表示", exact=True).check()
    page.get_by_label("判断の理由（投稿者に伝えます）").fill("住民を特定できる書き込みのため")
    page.get_by_role("button", name="判断を記録する").click()
    page.get_by_text("判断を記録し").wait_for()
    case = Case.objects.get()
    assert case.decision == "hide" and case.decided_by_id == head.pk

    # 3. The author and every reporter got their notices (the author never the names).
    hidden = OutgoingMail.objects.get(template="moderation_hidden")
    decision = OutgoingMail.objects.get(template="moderation_decision")
    assert hidden.to_email == decision.to_email == author.email
    assert "住民を特定できる書き込みのため" in decision.body
    assert not any(r.full_name in decision.body for r in reporters)
    outcomes = OutgoingMail.objects.filter(template="moderation_outcome")
    assert sorted(m.to_email for m in outcomes) == sorted(r.email for r in reporters)

    # 4. Staff silence the author for 7 days from the case.
    _as(page, staff)
    page.goto(page.base_url + reverse("moderation:case", args=[case.pk]))
    page.get_by_role("link", name="投稿者を処分する（投稿停止・利用停止）").click()
    page.get_by_label("投稿停止").check()
    page.get_by_label("期間（日）").fill("7")
    page.get_by_label("理由（会員に伝えます）").fill("住民の個人情報を投稿したため")
    page.get_by_role("button", name="処分する").click()
    page.get_by_text("処分を記録し").wait_for()
    penalty = Penalty.objects.get()
    assert penalty.kind == "silence" and (penalty.ends_at - penalty.starts_at).days == 7

    # 5. The author's next post is refused, with the reason and the end date.
    _as(page, author)
    page.goto(page.base_url + reverse("discussions:topic_new", args=[section.slug]))
    refusal = page.get_by_role("alert")
    refusal.wait_for()
    text = refusal.inner_text()
    assert "投稿停止中" in text and "住民の個人情報を投稿したため" in text
    assert format_jst(penalty.ends_at) in text
    page.goto(topic_url)
    refused = page.locator("[data-reply-refusal]").inner_text()
    assert "投稿停止中" in refused and format_jst(penalty.ends_at) in refused
    # The home page tells them too.
    page.goto(page.base_url + reverse("home"))
    page.get_by_role("heading", name="投稿停止中です").wait_for()
    assert page.console_errors == []
