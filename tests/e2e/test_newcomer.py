"""Issue 10 in the browser: the applicant's first steps (§8, §9, §13)."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress

from accounts.models import User
from tests.e2e.helpers import sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ERROR_RED = "rgb(206, 0, 0)"


def border(page, selector: str) -> str:
    return page.eval_on_selector(selector, "el => getComputedStyle(el).borderTopColor")


def test_the_application_form_helps_instead_of_tripping(page):
    user = UserFactory(status=User.Status.DRAFT, email="new@city.chiyoda.lg.jp", job_type="")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    sign_in(page, user)
    page.goto(page.base_url + "/application/")

    # 職種 has no default: the placeholder is shown until the applicant chooses.
    assert page.locator("select[name=job_type]").input_value() == ""

    # A search that narrows the list to one local government chooses it.
    with page.expect_response(lambda r: "local-governments" in r.url and "q=" in r.url):
        page.get_by_label("自治体名・よみで探す").fill("ちよだく")
    page.wait_for_function(
        "document.querySelector('select[name=local_government]').value === '131016'"
    )

    # Submit with 部署 and 職種 missing: only those two are outlined, and say what is missing.
    page.fill("input[name=full_name]", "横糸 花子")
    page.fill("input[name=full_name_kana]", "よこいと はなこ")
    page.check("input[name=agree]")
    page.get_by_role("button", name="申請する").click()
    page.wait_for_load_state()
    assert page.locator("#form-errors").is_visible()
    summary = page.locator("#form-errors").inner_text()
    assert "部署を入力してください。" in summary and "職種を選んでください。" in summary
    assert "このフィールドは必須です" not in page.content()
    assert border(page, "input[name=department]") == ERROR_RED
    assert border(page, "select[name=job_type]") == ERROR_RED
    for fine in (
        "input[name=full_name]",
        "input[name=full_name_kana]",
        "select[name=prefecture]",
        "#lg-search",
        "select[name=local_government]",
        "input[name=position]",
        "input[name=work_email]",
    ):
        assert border(page, fine) != ERROR_RED, fine
    assert page.locator("select[name=local_government]").input_value() == "131016"

    # Fix both and apply: the application-received page links the orientation.
    page.fill("input[name=department]", "総務部 総務課")
    page.select_option("select[name=job_type]", "general")
    page.check("input[name=agree]")
    page.get_by_role("button", name="申請する").click()
    page.wait_for_url(re.compile(r"/application/status/$"))
    assert "入庁申請を受け付けました" in page.locator(".messages").inner_text()
    user.refresh_from_db()
    assert user.local_government.code == "131016" and user.status == User.Status.SUBMITTED

    # An applicant who opens a member page is told why they are back on the status page.
    page.goto(page.base_url + "/members/")
    page.wait_for_url(re.compile(r"/application/status/$"))
    assert "入庁が承認されると使えます" in page.locator(".messages").inner_text()

    # The orientation is one click away from the status page.
    page.get_by_role("link", name="説明会の日程を見て申し込む").click()
    page.wait_for_url(re.compile(r"/orientation/$"))
    assert page.locator("h1").inner_text() == "横糸 説明会"
    # Chromium logs the invalid form's 422 as a failed resource; nothing else went wrong.
    assert [e for e in page.console_errors if "422" not in e] == []


def test_the_landing_page_links_the_orientation(page):
    page.goto(page.base_url + "/")
    page.get_by_role("link", name="説明会の日程と申込").click()
    # Anonymous visitors are asked to log in first, and come back to the orientation.
    page.wait_for_url(re.compile(r"/accounts/login/\?next=/orientation/$"))


def test_joining_a_section_with_htmx_updates_everything_it_changes(page):
    """§15: the member count and the members-only notice stayed as they were until a reload."""
    from tests.factories import MemberFactory, SectionFactory, SectionMembershipFactory

    section = SectionFactory(name="E2E観光課", slug="e2e-kankou")
    SectionMembershipFactory(section=section, user__full_name="先輩 一郎", role="head")
    SectionMembershipFactory(section=section, user__full_name="先輩 二郎")
    me = MemberFactory(full_name="新人 花子")
    sign_in(page, me)
    page.goto(page.base_url + "/sections/e2e-kankou/")
    region = page.locator("main")
    assert "メンバー 2人" in region.inner_text()
    assert "メンバー（2人）" in region.inner_text()
    assert "メンバー一覧は、この課のメンバーだけが見られます" in region.inner_text()
    page.evaluate("window.__stillTheSamePage = true")

    page.get_by_role("button", name="この課に参加する").click()
    page.get_by_role("button", name="退出する").wait_for()
    text = region.inner_text()
    assert "E2E観光課に参加しました。" in text
    assert "メンバー 3人" in text and "メンバー（3人）" in text
    assert "メンバー一覧は、この課のメンバーだけが見られます" not in text
    names = page.locator(".members-table tbody td:first-child").all_inner_texts()
    assert sorted(names) == ["先輩 一郎", "先輩 二郎", "新人 花子"]
    assert page.evaluate("window.__stillTheSamePage === true")  # no reload
    # Keyboard and screen-reader users land on the confirmation, not on <body>.
    assert page.evaluate("document.activeElement.textContent") == "E2E観光課に参加しました。"

    page.get_by_role("button", name="退出する").click()
    page.get_by_role("button", name="この課に参加する").wait_for()
    text = region.inner_text()
    assert "メンバー 2人" in text and "メンバー（2人）" in text
    assert "メンバー一覧は、この課のメンバーだけが見られます" in text
    assert page.locator(".members-table").count() == 0
    assert page.evaluate("window.__stillTheSamePage === true")
    assert page.console_errors == []
