"""Sign up → open the verification mail → apply → staff approves in the admin → member home."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import User
from tests.factories import StaffFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_sign_up_apply_and_get_approved(page, browser):
    base = page.base_url
    page.goto(base + "/")
    page.get_by_role("link", name="参加を申し込む").first.click()
    page.fill("input[name=email]", "hanako@city.sapporo.lg.jp")
    page.fill("input[name=password1]", "Yoko-ito-2026!")
    page.fill("input[name=password2]", "Yoko-ito-2026!")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()

    # The verification mail went out through the outbox (delivered in-process).
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mail.outbox[0].body)
    page.goto(base + link.group(1))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/application/$"))

    # The application form: the affiliation picker loads the prefecture's options via htmx.
    page.fill("input[name=full_name]", "横糸 花子")
    page.fill("input[name=full_name_kana]", "よこいと はなこ")
    page.check("input[name=affiliation_type][value=local_government]")
    with page.expect_response(lambda r: "local-governments" in r.url):
        page.select_option("select[name=prefecture]", "01")
    # Wait for the swap itself (the response can arrive before htmx replaces the options,
    # and a choice made in between would be lost): only 北海道's group is left.
    page.wait_for_function(
        "document.querySelectorAll('select[name=local_government] optgroup').length === 1"
    )
    page.select_option("select[name=local_government]", "011002")
    assert page.locator("select[name=ministry]").is_hidden()
    page.fill("input[name=department]", "企画部 企画課")
    page.select_option("select[name=job_type]", "general")  # no default: must be chosen
    page.check("input[name=agree]")
    page.get_by_role("button", name="申請する").click()
    page.wait_for_url(re.compile(r"/application/status/$"))
    assert page.locator("[data-status]").inner_text() == "審査中"
    user = User.objects.get(email="hanako@city.sapporo.lg.jp")
    assert user.local_government.code == "011002" and user.full_name_kana == "ヨコイト ハナコ"

    # Staff approve in the admin, in their own browser session.
    staff = StaffFactory(email="staff@yokoito.example")
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    staff_context = browser.new_context(locale="ja-JP")
    staff_page = staff_context.new_page()
    staff_page.goto(base + "/accounts/login/")
    staff_page.fill("input[name=login]", staff.email)
    staff_page.fill("input[name=password]", "pass-1234-word")
    staff_page.locator("main form button[type=submit]").click()
    staff_page.wait_for_url(re.compile(r"/members/$"))
    staff_page.goto(base + "/admin/accounts/application/")
    staff_page.get_by_role("link", name="横糸 花子").click()
    staff_page.get_by_role("button", name="承認（入庁）").click()
    staff_page.wait_for_load_state()
    assert "入庁" in staff_page.content()
    staff_context.close()

    user.refresh_from_db()
    assert user.status == User.Status.APPROVED
    approved_mail = [m for m in mail.outbox if "承認" in m.subject]
    assert approved_mail == [] or len(approved_mail) == 1  # sent by the worker in production

    page.goto(base + "/members/")
    assert "横糸 花子 さん、おかえりなさい" in page.locator("h1").inner_text()
    assert page.console_errors == []
