"""Browser journey: a question with a file → an answer from another prefecture that
mentions a third member → solved → the head makes it a 参考Q&A entry (2 clicks, pre-filled)
→ staff publish it after seeing exactly what the public will see → an anonymous visitor
reads it at /qa/ with no names on the page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from discussions.models import Entry, Mention, Topic
from sections.models import SectionMembership
from tests.e2e.helpers import sign_in
from tests.factories import MemberFactory, SectionFactory, StaffFactory, local_government

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _as(page, user) -> None:
    page.context.clear_cookies()
    sign_in(page, user)


def test_question_answer_solved_entry_published_read_by_the_public(page, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    section = SectionFactory(name="E2E予防接種課", slug="e2e-vaccine")
    asker = MemberFactory(full_name="質問 花子", local_government=local_government("131016"))
    answerer = MemberFactory(full_name="回答 太郎", local_government=local_government("271004"))
    third = MemberFactory(full_name="三人目 次郎", local_government=local_government("011002"))
    head = MemberFactory(full_name="課長 一郎", local_government=local_government("401005"))
    staff = StaffFactory(full_name="事務局 四郎")
    for user, role in ((asker, "member"), (answerer, "member"), (third, "member"), (head, "head")):
        SectionMembership.objects.create(section=section, user=user, role=role)
    pdf = tmp_path / "予約窓口の運用.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    names = [u.full_name for u in (asker, answerer, third, head, staff)]

    # 1. The asker opens the section's topics and asks, with an attachment.
    _as(page, asker)
    page.goto(page.base_url + reverse("sections:detail", args=[section.slug]))
    page.get_by_role("navigation", name="E2E予防接種課のページ").get_by_role(
        "link", name="話題"
    ).click()
    page.get_by_role("link", name="新しい話題").click()
    page.get_by_label("質問・相談").check()
    page.get_by_label("題名").fill("接種予約の電話回線は何回線ありますか")
    page.get_by_label("本文").fill("人口8万人の市です。**何回線**で足りていますか？")
    page.get_by_label("タグ").fill("ワクチン、予約")
    page.get_by_label("添付ファイル").set_input_files(str(pdf))
    page.get_by_role("button", name="投稿する").click()
    page.get_by_role("heading", name="接種予約の電話回線は何回線ありますか").wait_for()
    topic = Topic.objects.get()
    page.wait_for_url(f"**{topic.get_absolute_url()}")
    attachment = page.get_by_role("link", name="予約窓口の運用.pdf")
    assert attachment.count() == 1
    download = page.request.get(page.base_url + attachment.get_attribute("href"))
    assert download.status == 200 and download.headers["x-content-type-options"] == "nosniff"
    assert "attachment" in download.headers["content-disposition"]

    # 2. A member from another prefecture answers with htmx (no reload), naming a third.
    _as(page, answerer)
    page.goto(page.base_url + topic.get_absolute_url())
    page.evaluate("window.__noReload = true")
    page.get_by_role("textbox", name="返信").fill(
        "うちは10回線です。@[三人目 次郎] さんの町はWeb予約の誘導が上手です。"
    )
    page.get_by_role("button", name="返信する").click()
    page.locator("#post-2").wait_for()
    assert page.evaluate("window.__noReload") is True  # appended in place
    assert page.locator("#post-2 .mention").inner_text() == "@三人目 次郎"
    assert page.get_by_role("textbox", name="返信").input_value() == ""  # a fresh form
    assert Mention.objects.get().user == third

    # 3. The asker marks it solved.
    _as(page, asker)
    page.goto(page.base_url + topic.get_absolute_url())
    page.locator("[data-mark-answer='2']").click()
    page.locator("[data-solved]").first.wait_for()
    assert "うちは10回線です" in page.locator(".dz-answer").inner_text()

    # 4. The head turns it into a 参考Q&A entry: click 1 opens the pre-filled form,
    # click 2 saves it.
    _as(page, head)
    page.goto(page.base_url + topic.get_absolute_url())
    page.locator("[data-make-entry]").click()
    assert page.locator("#id_title").input_value() == "接種予約の電話回線は何回線ありますか"
    answer = page.locator("#id_answer").input_value()
    assert answer.startswith("うちは10回線です。") and "@[" not in answer
    page.locator("#id_answer").fill("10回線程度の例があります。Web予約への誘導も効果があります。")
    page.locator("[data-save-entry]").click()
    page.wait_for_url(re.compile(r"/qa/\d+/$"))
    entry = Entry.objects.get()
    assert list(entry.source_topics.all()) == [topic]

    # 5. Staff publish it, after a confirmation showing what the public will see.
    _as(page, staff)
    page.goto(page.base_url + entry.get_absolute_url())
    page.locator("[data-publish]").click()
    preview = page.locator(".dz-preview")
    assert "10回線程度の例があります" in preview.inner_text()
    page.locator("[data-confirm-publish]").click()
    page.get_by_text("一般公開中").wait_for()
    entry.refresh_from_db()
    assert entry.published_by == staff

    # 6. An anonymous visitor reads it at /qa/: no names, no municipality, no member links.
    page.context.clear_cookies()
    page.goto(page.base_url + "/qa/")
    page.get_by_role("link", name="接種予約の電話回線は何回線ありますか").click()
    page.wait_for_url(f"**{entry.get_absolute_url()}")
    page.get_by_text("10回線程度の例があります").wait_for()
    html = page.content()
    for name in names:
        assert name not in html
    for place in ("千代田区", "大阪市", "札幌市", "福岡市"):
        assert place not in html
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    assert not [h for h in hrefs if h.startswith(("/sections/", "/members/"))], hrefs
    assert page.console_errors == []


def test_phone_layout_has_no_sideways_scrolling_and_works_by_keyboard(page, tmp_path, settings):
    from discussions import services

    settings.MEDIA_ROOT = tmp_path
    section = SectionFactory(name="E2E長い名前の課", slug="e2e-phone")
    member = MemberFactory(full_name="携帯 花子")
    SectionMembership.objects.create(section=section, user=member, role="head")
    long_word = "https://www.city.example.lg.jp/" + "a" * 120
    topic = services.topic_create(
        section_id=section.pk, author=member, kind="question",
        title="とても長い題名" * 8, body=f"{long_word}\n\n" + "長い本文" * 80,
        tags="予約, 接種会場",
    ).topic  # fmt: skip
    services.reply_create(topic_id=topic.pk, author=member, body="`" + "x" * 200 + "`")
    entry = services.entry_create(
        section_id=section.pk, actor=member, title="長い質問" * 10, question="", answer=long_word
    )
    sign_in(page, member)
    page.set_viewport_size({"width": 390, "height": 844})
    for path in (
        reverse("discussions:topics", args=[section.slug]),
        topic.get_absolute_url(),
        reverse("discussions:topic_new", args=[section.slug]),
        reverse("discussions:qa"),
        entry.get_absolute_url(),
        reverse("sections:detail", args=[section.slug]),
    ):
        page.goto(page.base_url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
    # Reply by keyboard only: focus the reply box, type, Tab to the button, Enter.
    page.goto(page.base_url + topic.get_absolute_url())
    page.get_by_role("textbox", name="返信").focus()
    page.keyboard.type("キーボードだけで返信します")
    page.keyboard.press("Tab")  # the file input
    page.keyboard.press("Tab")  # the button
    assert page.evaluate("document.activeElement.textContent.trim()") == "返信する"
    page.keyboard.press("Enter")
    page.locator("#post-3").wait_for()
    assert "キーボードだけで返信します" in page.locator("#post-3").inner_text()
