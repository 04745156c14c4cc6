"""The public coverage page in a real browser: pick a prefecture, see the two lists."""

import re

import pytest

from tests.factories import ApplicantFactory, MemberFactory, local_government

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def members(local_governments):
    MemberFactory(local_government=local_government("131016"))  # 千代田区
    MemberFactory(local_government=local_government("130001"))  # 東京都
    MemberFactory(local_government=local_government("011002"))  # 札幌市
    ApplicantFactory(local_government=local_government("131024"))  # 中央区: pending


def groups(page):
    detail = page.locator(".cov-detail")
    yes = detail.locator(".cov-group--yes")
    no = detail.locator(".cov-group--no")
    return yes, no


def test_pick_a_prefecture_with_the_select_then_the_table_then_the_map(page, members):
    requests = []
    page.on("request", lambda req: requests.append(req))
    page.goto(page.base_url + "/coverage/")
    assert page.locator("h1").inner_text() == "参加自治体"
    assert page.get_by_test_id("covered").inner_text().replace("\n", "") == "3 / 1,788"
    assert page.locator("svg.cov-map a.cov-pref").count() == 47
    page_loads = sum(1 for r in requests if r.resource_type == "document")

    # The select: htmx swaps the results and pushes ?prefecture=13.
    page.select_option("#cov-prefecture", "13")
    page.wait_for_url(re.compile(r"/coverage/\?prefecture=13"))
    page.get_by_role("heading", name="東京都の自治体").wait_for()
    yes, no = groups(page)
    assert "参加者がいる自治体 2" in yes.locator("h4").inner_text()
    assert yes.locator("li").all_inner_texts()[:2] == ["東京都 都道府県", "千代田区 特別区"]
    assert "参加者がいない自治体 61" in no.locator("h4").inner_text()
    assert "中央区 特別区" in no.locator("li").all_inner_texts()
    assert "東京都の自治体を表示しています" in page.locator("#coverage-status").inner_text()
    assert page.title().startswith("東京都の参加自治体")

    # A table link.
    page.locator(".cov-table").get_by_role("link", name="北海道", exact=True).click()
    page.wait_for_url(re.compile(r"\?prefecture=01"))
    page.get_by_role("heading", name="北海道の自治体").wait_for()
    yes, no = groups(page)
    assert yes.locator("li").all_inner_texts() == ["札幌市 市"]
    assert no.locator("li").count() == 179
    assert page.locator("#cov-prefecture").input_value() == "01"

    # The map: the prefecture is a link with its counts as its accessible name.
    okinawa = page.locator('svg.cov-map a[data-pref="47"]')
    assert okinawa.get_attribute("aria-label") == "沖縄県：参加 0 / 42 団体（0.0%）"
    okinawa.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?prefecture=47"))
    page.get_by_role("heading", name="沖縄県の自治体").wait_for()
    _yes, no = groups(page)
    assert no.locator("li").count() == 42

    # All of it happened without reloading the page.
    assert sum(1 for r in requests if r.resource_type == "document") == page_loads
    # Back goes to the previous filter.
    page.go_back()
    page.wait_for_url(re.compile(r"\?prefecture=01"))
    page.get_by_role("heading", name="北海道の自治体").wait_for()
    page.wait_for_load_state("networkidle")
    assert page.console_errors == []
    assert page.failed_requests == []


def test_sort_and_search(page, members):
    page.goto(page.base_url + "/coverage/")
    page.locator(".cov-table thead").get_by_role("link", name=re.compile("参加率")).click()
    page.wait_for_url(re.compile(r"sort=-rate"))
    first = page.locator(".cov-table tbody tr").first.locator("th").inner_text()
    assert first == "東京都"
    page.fill("#cov-q", "さっぽろ")
    page.press("#cov-q", "Enter")
    page.get_by_role("heading", name="「さっぽろ」の検索結果").wait_for()
    assert "北海道札幌市" in page.locator(".cov-search").inner_text()
    assert page.console_errors == []


def test_the_page_works_without_javascript(browser, page, members):
    base_url = page.base_url  # the `page` fixture also decides whether browser tests run
    context = browser.new_context(java_script_enabled=False, locale="ja-JP")
    page = context.new_page()
    try:
        page.goto(base_url + "/coverage/")
        page.select_option("#cov-prefecture", "13")
        page.get_by_role("button", name="表示").click()
        page.wait_for_url(re.compile(r"prefecture=13"))
        assert page.get_by_role("heading", name="東京都の自治体").is_visible()
        assert page.get_by_role("heading", name=re.compile("参加者がいる自治体")).is_visible()
        page.locator('svg.cov-map a[data-pref="01"]').click()
        page.wait_for_url(re.compile(r"prefecture=01"))
        assert page.get_by_role("heading", name="北海道の自治体").is_visible()
    finally:
        context.close()


def test_the_embed_renders_in_a_frame_on_another_site_and_the_page_does_not(page, members):
    page.goto(page.base_url + "/coverage/embed/")
    assert "参加自治体 3 / 1,788" in page.locator(".cov-embed__headline").inner_text()
    assert page.locator("svg.cov-map[role=img]").is_visible()
    assert page.console_errors == []

    # A page on another origin (127.0.0.1 instead of localhost) frames both.
    page.goto(page.base_url.replace("localhost", "127.0.0.1") + "/static/css/coverage.css")
    page.set_content(
        f'<iframe id="embed" src="{page.base_url}/coverage/embed/" width="480" height="520">'
        f'</iframe><iframe id="page" src="{page.base_url}/coverage/"></iframe>'
    )
    embed = page.frame_locator("#embed")
    embed.locator(".cov-embed__headline").wait_for()
    assert "3 / 1,788" in embed.locator(".cov-embed__headline").inner_text()
    # The rest of the site refuses to be framed (X-Frame-Options: DENY).
    page.wait_for_load_state("networkidle")
    assert page.frame_locator("#page").get_by_text("参加自治体").count() == 0


def test_usable_on_a_phone(page, members):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(page.base_url + "/coverage/?prefecture=13")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    box = page.locator("svg.cov-map").bounding_box()
    assert 250 <= box["width"] <= 375
    # A prefecture on the map shows its name and counts when it gets keyboard focus.
    caption = page.locator('svg.cov-map a[data-pref="13"] .cov-caption')
    assert not caption.is_visible()
    page.locator('svg.cov-map a[data-pref="13"]').focus()
    assert caption.is_visible()
    assert "東京都" in caption.text_content()
    assert page.console_errors == []


IN_VIEW = """(id) => { const r = document.getElementById(id).getBoundingClientRect();
                       return r.top >= 0 && r.bottom <= window.innerHeight; }"""
SORTED_DESC = """() => document.querySelector('#cov-sort-rate').closest('th')
                       .getAttribute('aria-sort') === 'descending'"""
# For each label target: points where the label's own link answers although another
# prefecture's land lies under it (the target would steal that prefecture's clicks).
STOLEN_POINTS = """() => {
  const out = [];
  const inFill = (path, x, y) => {
    const point = path.ownerSVGElement.createSVGPoint();
    point.x = x; point.y = y;
    return path.isPointInFill(point.matrixTransform(path.getScreenCTM().inverse()));
  };
  for (const hit of document.querySelectorAll('svg.cov-map .cov-label__hit')) {
    const own = hit.closest('a').dataset.pref;
    const r = hit.getBoundingClientRect();
    for (let i = 0; i <= 10; i++) for (let j = 0; j <= 6; j++) {
      const x = r.left + (r.width * i) / 10, y = r.top + (r.height * j) / 6;
      const stack = document.elementsFromPoint(x, y);
      const top = stack[0] && stack[0].closest('a.cov-pref');
      const land = stack.find((e) => e.tagName === 'path' && e.closest('a.cov-pref')
        && e.closest('a.cov-pref').dataset.pref !== own && inFill(e, x, y));
      if (top && top.dataset.pref === own && land) {
        out.push([own, land.closest('a').dataset.pref]);
      }
    }
  }
  return out;
}"""


def wait_in_view(page, element_id: str) -> None:
    page.wait_for_function(IN_VIEW, arg=element_id)


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def wait_for_focus(page, element_id: str) -> None:
    page.wait_for_function(
        "(id) => document.activeElement && document.activeElement.id === id", arg=element_id
    )


def test_after_choosing_on_the_map_or_the_table_the_focus_moves_to_the_list(page, members):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(page.base_url + "/coverage/")
    # The map is keyboard reachable: from the heading above it, Tab reaches 北海道 first.
    page.locator("#cov-map-heading").click()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('data-pref')") == "01"
    assert page.evaluate("document.activeElement.closest('svg.cov-map') !== null")
    # Enter on a map prefecture: the list below the fold gets the focus and is scrolled to.
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?prefecture=01"))
    wait_for_focus(page, "cov-detail-title")
    assert page.evaluate("document.activeElement.textContent") == "北海道の自治体"
    wait_in_view(page, "cov-detail-title")

    # Back to the top, then a table link (the link itself is replaced by the swap).
    page.evaluate("window.scrollTo(0, 0)")
    page.locator(".cov-table").get_by_role("link", name="沖縄県", exact=True).click()
    page.wait_for_url(re.compile(r"\?prefecture=47"))
    wait_for_focus(page, "cov-detail-title")
    assert page.evaluate("document.activeElement.textContent") == "沖縄県の自治体"
    wait_in_view(page, "cov-detail-title")

    # すべての都道府県に戻る: the focus goes to the results' heading.
    page.locator(".cov-detail").get_by_role("link", name="すべての都道府県に戻る").click()
    page.wait_for_url(re.compile(r"/coverage/$"))
    wait_for_focus(page, "cov-results-heading")

    # The <select> keeps the focus, so that arrow keys go on choosing; the list is
    # scrolled to (and the status line announces it).
    page.locator("#cov-prefecture").focus()
    page.keyboard.press("ArrowDown")
    page.get_by_role("heading", name="北海道の自治体").wait_for()
    assert focused_id(page) == "cov-prefecture"
    page.keyboard.press("ArrowDown")
    page.get_by_role("heading", name="青森県の自治体").wait_for()
    assert focused_id(page) == "cov-prefecture"
    assert "青森県の自治体を表示しています" in page.locator("#coverage-status").inner_text()
    page.select_option("#cov-prefecture", "13")
    page.get_by_role("heading", name="東京都の自治体").wait_for()
    assert focused_id(page) == "cov-prefecture"
    wait_in_view(page, "cov-detail-title")
    # A sort link keeps the focus too (same link after the swap).
    page.locator("#cov-sort-rate").click()
    page.wait_for_url(re.compile(r"sort=-rate"))
    page.wait_for_function(SORTED_DESC)
    assert focused_id(page) == "cov-sort-rate"
    assert page.console_errors == []


@pytest.mark.parametrize("width", [1280, 390])
def test_clicking_tokyo_on_the_map(page, members, width):
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(page.base_url + "/coverage/")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    target = page.locator('svg.cov-map a[data-pref="13"] .cov-label__hit')
    box = target.bounding_box()
    # At least 24 × 24 CSS px (WCAG 2.5.8), even on a phone; the shape alone is far smaller.
    assert box["width"] >= 24 and box["height"] >= 24, box
    shape = page.locator('svg.cov-map a[data-pref="13"] > path').bounding_box()
    if width == 390:
        assert shape["height"] < 24  # why the label is needed
    # A real click where the label is (Playwright checks nothing else covers the point).
    target.click()
    page.wait_for_url(re.compile(r"\?prefecture=13"))
    page.get_by_role("heading", name="東京都の自治体").wait_for()
    yes, _no = groups(page)
    assert "参加者がいる自治体 2" in yes.locator("h4").inner_text()
    wait_for_focus(page, "cov-detail-title")
    # The table keeps its link.
    assert page.locator(".cov-table").get_by_role("link", name="東京都", exact=True).count() == 1
    assert page.console_errors == []


def test_label_targets_never_cover_another_prefectures_land(page, members):
    """Points of each label's target are either sea (the label's prefecture answers) or
    land of another prefecture painted above it (that prefecture answers): never stolen."""
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(page.base_url + "/coverage/")
    stolen = page.evaluate(STOLEN_POINTS)
    assert stolen == []
