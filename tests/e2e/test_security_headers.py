"""The Content-Security-Policy in a real browser (issue 9, item 10): the main pages load
with no CSP violation and no console error, and the htmx interactions still work with
`allowEval: false` and no injected styles."""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import sign_in
from tests.factories import (
    EpisodeFactory,
    MeetingFactory,
    MemberFactory,
    SectionFactory,
    StaffFactory,
    UserFactory,
    local_government,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Recorded by the browser itself, before any page script runs (Playwright's init scripts
# are not subject to the page's CSP).
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " at " +
                    (e.sourceFile || location.pathname) + ":" + e.lineNumber);
}, true);
"""


@pytest.fixture
def watched(page):
    page.add_init_script(WATCH)
    page.console_warnings = []
    page.on(
        "console",
        lambda msg: msg.type == "warning" and page.console_warnings.append(msg.text),
    )
    return page


def visit(page, path: str) -> None:
    response = page.goto(page.base_url + path)
    assert response.status == 200, (path, response.status)
    csp = response.headers.get("content-security-policy", "")
    assert "default-src 'self'" in csp and "unsafe" not in csp, path
    page.wait_for_load_state("networkidle")
    assert_clean(page, path)


def assert_clean(page, where: str) -> None:
    violations = page.evaluate("window.__csp")
    assert violations == [], (where, violations)
    assert page.console_errors == [], (where, page.console_errors)
    # e.g. "Error with Permissions-Policy header: Unrecognized feature"
    assert [w for w in page.console_warnings if "Policy" in w] == [], where
    # Pages with htmx (all but the embed) run it without eval.
    assert page.evaluate("typeof htmx === 'undefined' || htmx.config.allowEval === false"), where


def test_public_pages_and_the_coverage_filter(watched, local_governments):
    page = watched
    MemberFactory(local_government=local_government("131016"))  # 千代田区
    for path in ("/", "/coverage/", "/coverage/embed/", "/accounts/signup/", "/accounts/login/"):
        visit(page, path)
    # htmx on the coverage page: the prefecture select swaps the results and the map
    # outlines the chosen prefecture (CSS :has(), no inline <style>).
    visit(page, "/coverage/")
    page.select_option("#cov-prefecture", "13")
    page.wait_for_url(re.compile(r"/coverage/\?prefecture=13"))
    page.get_by_role("heading", name="東京都の自治体").wait_for()
    tokyo = page.locator('svg.cov-map a[data-pref="13"] > path')
    assert tokyo.evaluate("p => getComputedStyle(p).strokeWidth") == "3px"
    osaka = page.locator('svg.cov-map a[data-pref="27"] > path')
    assert osaka.evaluate("p => getComputedStyle(p).strokeWidth") != "3px"
    # The per-prefecture bar is an SVG rect, sized without a style attribute.
    bar = page.locator(".cov-table tbody tr", has_text="東京都").locator(".cov-bar rect")
    assert float(bar.get_attribute("width")) > 0
    assert bar.evaluate("r => r.getBBox().width") > 0
    page.wait_for_load_state("networkidle")
    assert_clean(page, "coverage filter")


def test_applicant_pages(watched):
    page = watched
    sign_in(page, UserFactory())  # draft: the application form
    visit(page, "/application/")
    # The form's affiliation panels (static/js/yokoito.js) still toggle.
    page.get_by_label("国の府省庁").check()
    assert page.locator('[data-affiliation="local_government"]').is_hidden()
    assert_clean(page, "application form")


def test_member_pages_and_a_section_join(watched, local_governments):
    page = watched
    member = MemberFactory()
    section = SectionFactory(name="CSP防災課", slug="csp-bousai", type="work")
    MeetingFactory(section=section, event__title="CSPの会")
    EpisodeFactory()
    sign_in(page, member)
    for path in (
        "/members/",
        "/sections/",
        section.get_absolute_url(),
        "/broadcasts/",
        "/broadcasts/programmes/",
        "/trainings/",
        "/events/calendar/",
        "/orientation/",
    ):
        visit(page, path)

    # The calendar URL field selects itself on click (was an inline onclick).
    visit(page, "/events/calendar/")
    field = page.locator("#feed-url")
    field.click()
    assert field.evaluate("f => f.selectionStart === 0 && f.selectionEnd === f.value.length")

    # htmx: the section directory search and the join button swap fragments.
    visit(page, "/sections/")
    page.get_by_label("課を探す").fill("CSP防災")
    page.wait_for_url("**/sections/?*q=CSP*")
    page.locator("#results").get_by_role("link", name="CSP防災課").click()
    page.wait_for_url(f"**{section.get_absolute_url()}")
    page.get_by_role("button", name="この課に参加する").click()
    page.locator("#membership").get_by_text("課員").wait_for()
    page.wait_for_load_state("networkidle")
    assert_clean(page, "section join")


def test_the_admin_index(watched):
    page = watched
    sign_in(page, StaffFactory())
    visit(page, "/admin/")
    assert "管理メニュー" in page.content()
