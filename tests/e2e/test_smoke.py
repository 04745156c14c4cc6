import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_landing_page_renders_without_console_errors(page):
    hosts = set()
    page.on("request", lambda req: hosts.add(req.url.split("/")[2]))
    page.goto(page.base_url + "/")
    assert page.locator("h1").inner_text() == "全国の公務員を、横糸でつなぐ。"
    # The stylesheet loaded: the design-token font family is applied.
    assert "Noto Sans JP" in page.evaluate("getComputedStyle(document.body).fontFamily")
    assert page.evaluate("typeof htmx") == "object"
    assert page.console_errors == []
    assert page.failed_requests == []
    assert hosts == {page.base_url.split("/")[2]}
    # The skip link is the first thing the keyboard reaches.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "本文へ移動"
