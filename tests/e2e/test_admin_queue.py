"""The admin review queue in a real browser (issue 10 items 16 and 2).

- At 1280 px the queue shows every column, 状態 and 申請日時 included, inside the window
  and without the table scrolling sideways, and the waiting time is whole on one line
  (it was cut to 「1日16時」, and 状態 and 申請日時 were scrolled out of sight).
- 承認（入庁） on an application's page lands back on the queue with only the success
  message (it landed on the admin index with 「…見つかりませんでした」).

Set YOKOITO_SCREENSHOTS=<dir> to keep the screenshots.
"""

from __future__ import annotations

import os
import re

import pytest
from django.utils import timezone

from accounts.models import TrustedDomain, User
from tests.e2e.helpers import sign_in
from tests.factories import ApplicantFactory, StaffFactory, local_government

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = os.environ.get("YOKOITO_SCREENSHOTS")
QUEUE = "/admin/accounts/application/"


def _screenshot(page, tmp_path, name):
    page.screenshot(path=str(tmp_path / name), full_page=True)
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def _queue():
    now = timezone.now()
    sapporo = local_government("011002")
    TrustedDomain.objects.create(domain="city.sapporo.lg.jp", local_government=sapporo)
    for n in range(12):
        ApplicantFactory(
            full_name=f"横糸 花子{n}",
            email=f"yokoito.hanako.{n}@city.sapporo.lg.jp",
            local_government=sapporo,
            department="保健福祉局 保健所 地域保健推進担当課",
            submitted_at=now - timezone.timedelta(hours=40 + n),
        )
    ApplicantFactory(
        full_name="長い 所属の申請者",
        email="a.very.long.address.for.testing.purposes@mail.example.com",
        affiliation_type="other",
        local_government=None,
        other_body="独立行政法人 国立研究開発法人 たいへん長い名前の公的研究機関 本部事務局",
        submitted_at=now - timezone.timedelta(hours=3),
    )


# For each header and cell of the columns that must show: where it is, and how many
# lines its text takes.
MEASURE = """() => {
  const results = document.querySelector('#changelist .results');
  const box = results.getBoundingClientRect();
  const lines = (el) => {  // the line boxes of its text
    const tops = new Set();
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      if (!walker.currentNode.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(walker.currentNode);
      for (const r of range.getClientRects()) tops.add(Math.round(r.top));
    }
    return tops.size;
  };
  const cell = (el) => {
    const r = el.getBoundingClientRect();
    return {text: el.innerText.trim(), left: r.left, right: r.right, lines: lines(el),
            clipped: el.scrollWidth > el.clientWidth + 1};
  };
  const headers = {};
  document.querySelectorAll('#result_list thead th').forEach((th) => {
    headers[th.innerText.trim()] = cell(th);
  });
  const column = (name) =>
    [...document.querySelectorAll('#result_list tbody td.field-' + name)].map(cell);
  return {
    window: window.innerWidth,
    pageScroll: document.documentElement.scrollWidth,
    results: {left: box.left, right: box.right,
              scroll: results.scrollWidth, client: results.clientWidth},
    headers,
    waited: column('waited'), status: column('status'), submitted: column('submitted'),
  };
}"""


def test_the_queue_shows_every_column_unclipped_at_1280(page, tmp_path):
    _queue()
    sign_in(page, StaffFactory())
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(page.base_url + QUEUE)
    _screenshot(page, tmp_path, "queue-1280.png")
    m = page.evaluate(MEASURE)
    # Nothing scrolls sideways: neither the page nor the table's own scroll box.
    assert m["pageScroll"] <= m["window"], m["pageScroll"]
    assert m["results"]["scroll"] <= m["results"]["client"], m["results"]
    for name in ("氏名", "所属", "待ち時間", "状態", "申請日時"):
        header = m["headers"][name]
        assert header["right"] <= m["results"]["right"] + 1, (name, header, m["results"])
        assert header["lines"] == 1 and not header["clipped"], (name, header)
    for column in ("waited", "status", "submitted"):
        assert len(m[column]) == 13
        for cell in m[column]:
            assert cell["right"] <= m["results"]["right"] + 1, (column, cell)
            assert cell["lines"] == 1 and not cell["clipped"], (column, cell)
    waits = [c["text"] for c in m["waited"]]
    assert "2日3時間（超過）" in waits and "1日16時間" in waits and "3時間" in waits
    assert {c["text"] for c in m["status"]} == {"審査中"}
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", c["text"]) for c in m["submitted"])


def test_approving_on_the_page_lands_back_on_the_queue(page, tmp_path):
    _queue()
    sign_in(page, StaffFactory())
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(page.base_url + QUEUE + "?state=submitted")
    page.get_by_role("link", name="横糸 花子11").click()
    page.get_by_role("button", name="承認（入庁）").click()
    page.wait_for_load_state()
    assert page.url == page.base_url + QUEUE + "?state=submitted"
    _screenshot(page, tmp_path, "queue-after-approve.png")
    messages = page.locator("ul.messagelist li").all_inner_texts()
    assert messages == ["1 件を「入庁」にしました。"]
    assert "見つかりませんでした" not in page.content()
    assert page.get_by_role("link", name="横糸 花子11").count() == 0  # left the queue
    assert User.objects.get(full_name="横糸 花子11").status == User.Status.APPROVED
