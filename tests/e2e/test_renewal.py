"""年度更新 in a browser: a member moves to another city during the annual confirmation,
verifies the new work address from the mail, staff approve the new affiliation from the
renewals dashboard, and the public coverage page counts the new city."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from accounts.models import AffiliationRecord, User
from municipalities import coverage
from outbox.models import OutgoingMail
from renewals import services
from renewals.models import Cycle, Renewal
from tests.e2e.helpers import sign_in
from tests.factories import MemberFactory, StaffFactory, local_government

pytestmark = pytest.mark.django_db(transaction=True)


def _sapporo_covered(page) -> bool:
    """札幌市 is in the list 参加者がいる自治体 of 北海道 on the public page."""
    coverage.forget()
    page.goto(page.base_url + "/coverage/?prefecture=01")
    listed = page.locator("h4#cov-yes-title").locator("xpath=following-sibling::ul[1]")
    return listed.count() > 0 and "札幌市" in listed.inner_text()


def test_member_moves_to_another_city_and_coverage_follows_after_staff_approve(page):
    today = timezone.localdate()
    member = MemberFactory(
        full_name="異動 太郎", approved_at=timezone.now() - dt.timedelta(days=300)
    )
    AffiliationRecord.objects.create(
        user=member,
        affiliation_type="local_government",
        local_government=local_government("131016"),
        department=member.department,
        started_on=today - dt.timedelta(days=300),
        verified_at=timezone.now() - dt.timedelta(days=300),
    )
    cycle = services.cycle_create(
        fiscal_year=today.year,
        opens_on=today - dt.timedelta(days=3),
        due_on=today + dt.timedelta(days=20),
        grace_until=today + dt.timedelta(days=50),
        actor=None,
    )
    services.cycles_open()
    assert Renewal.objects.filter(cycle=cycle, user=member).exists()
    assert not _sapporo_covered(page)

    sign_in(page, member)
    page.goto(page.base_url + "/renewal/")
    assert page.locator("[data-renewal-banner]").is_visible()
    page.get_by_text("別の団体へ異動・出向した").click()
    page.get_by_label("都道府県", exact=True).select_option("01")
    lg = page.locator("select[name=local_government]")
    page.wait_for_function(
        "() => [...document.querySelectorAll('select[name=local_government] option')]"
        ".some(o => o.value === '011002')"
    )
    lg.select_option("011002")
    page.locator("input[name=department]").fill("市民文化局 文化部")
    page.locator("details[open] select[name=job_type]").select_option("general")
    page.get_by_label("新しい職場のメールアドレス").fill("taro.idou@city.sapporo.example.jp")
    page.get_by_role("button", name="確認のメールを送る").click()
    page.wait_for_load_state()
    assert "確認のメールを送りました" in page.content()

    mail = OutgoingMail.objects.get(template="renewal_verify_email")
    assert mail.to_email == "taro.idou@city.sapporo.example.jp"
    path = re.search(r"/renewal/verify/[\w-]+/", mail.body).group(0)
    page.goto(page.base_url + path)
    page.get_by_role("button", name="このアドレスを確認する").click()
    page.wait_for_load_state()
    assert "事務局が確認します" in page.content()
    user = User.objects.get(pk=member.pk)
    assert user.local_government.code == "011002" and user.affiliation_review_pending
    assert not _sapporo_covered(page)  # an unverified claim never changes the numbers

    page.context.clear_cookies()
    sign_in(page, StaffFactory())
    page.goto(page.base_url + f"/admin/renewals/cycle/{Cycle.objects.get().pk}/dashboard/")
    page.get_by_role("link", name="会員のページで確認する").click()
    page.get_by_role("button", name="所属変更を確認済みにする").click()
    page.wait_for_load_state()
    assert not User.objects.get(pk=member.pk).affiliation_review_pending

    page.context.clear_cookies()
    assert _sapporo_covered(page)
    assert page.get_by_test_id("basis").inner_text().startswith(f"{cycle.label}の確認済み会員")
