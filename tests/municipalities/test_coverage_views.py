"""The public coverage page, its htmx fragment, the embed and the open data."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from accounts.models import AffiliationType, User
from municipalities.models import LocalGovernment
from municipalities.services import coverage_invalidate
from tests.factories import ApplicantFactory, MemberFactory, local_government

pytestmark = pytest.mark.django_db

URL = "/coverage/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def some_members():
    MemberFactory(local_government=local_government("131016"))  # 千代田区
    MemberFactory(local_government=local_government("130001"))  # 東京都
    MemberFactory(local_government=local_government("011002"))  # 札幌市
    MemberFactory(
        affiliation_type=AffiliationType.MINISTRY, local_government=None, ministry="総務省"
    )
    ApplicantFactory(local_government=local_government("131024"))  # 中央区, pending


def test_the_url_names_and_paths():
    assert reverse("coverage") == URL
    assert reverse("coverage_embed") == "/coverage/embed/"
    assert reverse("coverage_json") == "/coverage/data.json"
    assert reverse("coverage_csv") == "/coverage/data.csv"


def test_the_page_shows_the_headline_members_and_last_update(client, some_members):
    response = client.get(URL)
    assert response.status_code == 200
    page = html(response)
    assert "参加自治体" in page
    assert re.search(r'data-testid="covered">3<small> / 1,788</small>', page)
    assert "0.2%" in page  # 3 / 1788
    assert re.search(r'data-testid="members">4<small> 人', page)
    assert "最終更新" in page
    time_re = r'<time datetime="\d{4}-\d\d-\d\dT[^"]+">\d{4}年\d+月\d+日 \d\d:\d\d</time>'
    assert re.search(time_re, page)
    assert "まだ参加者はいません" not in page
    # The nav links the page.
    assert f'href="{URL}"' in page


def test_the_page_with_no_members_says_so(client):
    page = html(client.get(URL))
    assert "まだ参加者はいません" in page
    assert 'data-testid="covered">0<small> / 1,788' in page
    assert "参加を申し込む" in page


def test_the_map_is_inline_accessible_svg_with_one_dot_per_municipality(client, some_members):
    page = html(client.get(URL))
    svg = re.search(r"<svg class=\"cov-map\".*?</svg>", page, re.S).group(0)
    assert 'viewBox="0 0 ' in svg and 'width="100%"' in svg
    assert 'aria-labelledby="cov-map-title"' in svg and '<title id="cov-map-title">' in svg
    assert '<desc id="cov-map-desc">' in svg
    # 47 prefecture links, each with a label and a link to the filter.
    links = re.findall(
        r'<a class="cov-pref q\d" data-pref="(\d\d)" href="([^"]+)" aria-label="([^"]+)"', svg
    )
    assert len(links) == 47
    assert ("13", "/coverage/?prefecture=13", "東京都：参加 2 / 63 団体（3.2%）") in links
    # One dot per municipality (prefectures are shapes, not dots), named on hover.
    dots = re.findall(r'<circle [^>]*class="(y|n)"><title>([^<]+)</title>', svg)
    assert len(dots) == 1788 - 47
    assert ("y", "千代田区：参加者あり") in dots
    assert ("n", "中央区：参加者なし") in dots  # the applicant does not count
    # Okinawa and Ogasawara insets.
    assert "沖縄県・奄美群島" in svg and "小笠原諸島" in svg
    # Nothing from another host.
    assert "http://" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_the_legend_explains_the_colours(client):
    page = html(client.get(URL))
    for label in ("0%", "25%未満", "75%以上", "参加者がいる市区町村", "まだいない市区町村"):
        assert label in page


def test_the_prefecture_table_has_47_rows_and_sorts_without_js(client, some_members):
    page = html(client.get(URL))
    rows = re.findall(r'<th scope="row"><a href="([^"]+)"', page)
    assert len(rows) == 47
    assert rows[0] == "/coverage/?prefecture=01"
    page = html(client.get(URL, {"sort": "-rate"}))
    rows = re.findall(r'<th scope="row"><a href="/coverage/\?prefecture=(\d\d)', page)
    assert rows[:2] == ["13", "01"]  # 2/63 then 1/180
    assert 'aria-sort="descending"' in page
    # The header link flips the order.
    assert 'href="/coverage/?sort=rate"' in page


@pytest.mark.parametrize("htmx", [False, True])
def test_the_prefecture_filter_lists_both_groups(client, some_members, htmx):
    response = client.get(URL, {"prefecture": "13"}, **(HTMX if htmx else {}))
    assert response.status_code == 200
    page = html(response)
    assert "東京都の自治体" in page
    assert "参加者がいる自治体" in page and "参加者がいない自治体" in page
    yes = page.split('id="cov-yes-title"')[1].split('id="cov-no-title"')[0]
    no = page.split('id="cov-no-title"')[1].split("</section>")[0]
    assert 'badge--success">2</span>' in yes
    assert "東京都" in yes and "千代田区" in yes
    assert '<span class="badge">61</span>' in no
    assert "中央区" in no and "千代田区" not in no
    assert 'class="is-selected" aria-current="true"' in page
    assert '<option value="13" selected>東京都</option>' in page
    assert "HX-Request" in response["Vary"]
    if htmx:
        assert "<html" not in page and '<svg class="cov-map"' not in page  # only the fragment
        assert 'id="coverage-status" hx-swap-oob="innerHTML"' in page
        assert "東京都の自治体を表示しています" in page
    else:
        assert "<html" in page and '<svg class="cov-map"' in page
        assert 'id="coverage-results"' in page
    assert 'data-cov-selected="13"' in page  # the map highlights the selection (CSS :has)
    assert "<title>東京都の参加自治体｜横糸 Yokoito</title>" in page


def test_htmx_history_restore_gets_the_full_page(client):
    response = client.get(
        URL, {"prefecture": "13"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in html(response)


def test_the_prefecture_may_be_given_without_the_leading_zero(client):
    page = html(client.get(URL, {"prefecture": "1"}))
    assert "北海道の自治体" in page


@pytest.mark.parametrize(
    "params",
    [
        {"prefecture": "99"},
        {"prefecture": "00"},
        {"prefecture": "abc"},
        {"prefecture": "１３"},  # full-width digits
        {"prefecture": "013"},
        {"prefecture": "<script>"},
        {"q": "あ" * 51},
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_parameters_get_a_clear_message_not_an_error_page(client, params, htmx):
    response = client.get(URL, params, **(HTMX if htmx else {}))
    assert response.status_code == 400
    page = html(response)
    assert 'role="alert"' in page
    assert "正しくありません" in page or "50文字以内" in page
    assert "<script>" not in page
    assert "ETag" not in response


def test_an_unknown_sort_falls_back_to_the_default(client):
    response = client.get(URL, {"sort": "drop table"})
    assert response.status_code == 200
    rows = re.findall(r'<th scope="row"><a href="/coverage/\?prefecture=(\d\d)', html(response))
    assert rows[:2] == ["01", "02"]


def test_search_by_hiragana_finds_the_municipality(client, some_members):
    page = html(client.get(URL, {"q": "ちよだ"}))
    assert "「ちよだ」の検索結果" in page
    assert "東京都千代田区" in page
    assert "参加者あり" in page
    page = html(client.get(URL, {"q": "ちよだ"}, **HTMX))
    assert "東京都千代田区" in page and "<html" not in page


def test_search_with_no_hits_says_so(client):
    page = html(client.get(URL, {"q": "ぬぬぬぬ"}))
    assert "「ぬぬぬぬ」に一致する自治体はありません" in page


def test_open_data_json(client, some_members):
    response = client.get("/coverage/data.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    rows = response.json()
    assert len(rows) == 1788
    assert all(set(row) == {"code", "prefecture", "name", "kind", "covered"} for row in rows)
    by_code = {row["code"]: row for row in rows}
    assert by_code["131016"] == {
        "code": "131016",
        "prefecture": "東京都",
        "name": "千代田区",
        "kind": "ward",
        "covered": True,
    }
    assert by_code["131024"]["covered"] is False
    assert by_code["130001"]["kind"] == "prefecture" and by_code["130001"]["covered"] is True
    assert sum(row["covered"] for row in rows) == 3


def test_open_data_csv_is_for_japanese_excel(client, some_members):
    """Issue 10 item 14: Japanese headers and values, written by core.exports."""
    response = client.get("/coverage/data.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == 1 + 1788
    text = raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["団体コード", "都道府県", "団体名", "種別", "参加"]
    assert len(rows) == 1 + 1788
    assert ["131016", "東京都", "千代田区", "特別区", "はい"] in rows
    assert ["131024", "東京都", "中央区", "特別区", "いいえ"] in rows
    assert ["130001", "東京都", "東京都", "都道府県", "はい"] in rows
    assert ["011002", "北海道", "札幌市", "市", "はい"] in rows
    assert {row[3] for row in rows[1:]} == {"都道府県", "市", "特別区", "町", "村"}
    assert {row[4] for row in rows[1:]} == {"はい", "いいえ"}
    # The same records as the JSON, which keeps its English keys and values.
    records = client.get("/coverage/data.json").json()
    assert [row[0] for row in rows[1:]] == [r["code"] for r in records]
    assert [row[4] == "はい" for row in rows[1:]] == [r["covered"] for r in records]


def test_no_personal_data_in_any_public_output(client):
    secret = MemberFactory(
        local_government=local_government("014290"),  # a small town
        full_name="秘密 花子",
        full_name_kana="ヒミツ ハナコ",
        email="hanako.secret@town.example.lg.jp",
        department="極秘課",
        position="係長",
        work_email="hanako@work.example",
        introduction="自己紹介ひみつ",
    )
    outputs = []
    for url, params, extra in [
        (URL, {}, {}),
        (URL, {"prefecture": "01"}, {}),
        (URL, {"prefecture": "01"}, HTMX),
        (URL, {"q": "ヒミツ"}, {}),
        (URL, {"q": secret.local_government.name}, {}),
        ("/coverage/embed/", {}, {}),
        ("/coverage/data.json", {}, {}),
        ("/coverage/data.csv", {}, {}),
    ]:
        response = client.get(url, params, **extra)
        assert response.status_code == 200, url
        outputs.append(response.content.decode("utf-8-sig"))
    for text in outputs:
        for value in (
            "秘密",
            "ヒミツ ハナコ",
            "hanako",
            "極秘課",
            "係長",
            "自己紹介ひみつ",
            "@town.example",
            str(secret.pk) + "人",
        ):
            assert value not in text, value
    # No per-local-government member count: a second member changes nothing but totals.
    before = client.get("/coverage/data.json").content
    MemberFactory(local_government=secret.local_government)
    coverage_invalidate()
    assert client.get("/coverage/data.json").content == before


def test_conditional_get_answers_304_without_queries(
    client, some_members, django_assert_num_queries
):
    first = client.get(URL, {"prefecture": "13"})
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag and modified
    with django_assert_num_queries(0):
        again = client.get(URL, {"prefecture": "13"}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert client.get(URL, {"prefecture": "13"}, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    # Another variant has another ETag.
    assert client.get(URL, {"prefecture": "14"})["ETag"] != etag
    assert client.get(URL, {"prefecture": "13"}, **HTMX)["ETag"] != etag
    assert client.get(URL, {"prefecture": "13", "sort": "-rate"})["ETag"] != etag
    assert client.get(URL, {"prefecture": "13", "q": "ちよだ"})["ETag"] != etag
    # A change of coverage changes the ETag: the old one gets the new page.
    MemberFactory(local_government=local_government("131024"))
    coverage_invalidate()
    fresh = client.get(URL, {"prefecture": "13"}, HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200
    assert fresh["ETag"] != etag


@pytest.mark.parametrize("url", ["/coverage/embed/", "/coverage/data.json", "/coverage/data.csv"])
def test_conditional_get_on_the_other_outputs(client, url):
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_warm_page_costs_no_query_and_a_cold_one_a_constant_number(
    client, django_assert_num_queries
):
    lgs = list(LocalGovernment.objects.order_by("code")[:400])
    User.objects.bulk_create(
        User(
            email=f"m{i}@example.invalid",
            password="!",
            status=User.Status.APPROVED,
            affiliation_type=AffiliationType.LOCAL_GOVERNMENT,
            local_government=lgs[i % 400],
        )
        for i in range(2000)
    )
    with django_assert_num_queries(3):  # members, local governments, the basis (renewals)
        assert client.get(URL, {"prefecture": "01"}).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(URL, {"prefecture": "02"}).status_code == 200
        assert client.get(URL, {"q": "さっぽろ"}, **HTMX).status_code == 200
        assert client.get("/coverage/data.json").status_code == 200


def test_anonymous_pages_are_rendered_once_per_version(client, some_members, monkeypatch):
    from municipalities import views

    calls = []
    real = views.render_to_string
    monkeypatch.setattr(
        views, "render_to_string", lambda *a, **k: calls.append(a[0]) or real(*a, **k)
    )
    first = client.get(URL).content
    assert client.get(URL).content == first
    assert len(calls) == 1
    # The shared body carries no CSRF token.
    assert '"X-CSRFToken": ""' in first.decode()
    assert "csrftoken" not in client.cookies
    MemberFactory(local_government=local_government("131024"))
    coverage_invalidate()
    assert client.get(URL).content != first
    assert len(calls) == 2


def test_a_signed_in_member_gets_their_own_page(client, some_members):
    member = MemberFactory(local_government=local_government("131016"))
    client.force_login(member)
    response = client.get(URL)
    page = html(response)
    assert response.status_code == 200
    assert "ログアウト" in page
    assert not re.search(r'"X-CSRFToken": ""', page)
    assert "private" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_the_embed_may_be_framed_and_the_page_may_not(client, some_members):
    page = client.get(URL)
    assert page["X-Frame-Options"] == "DENY"
    embed = client.get("/coverage/embed/")
    assert embed.status_code == 200
    assert "X-Frame-Options" not in embed
    body = html(embed)
    assert "参加自治体 <strong>3</strong> / 1,788" in body
    assert 'role="img"' in body and "<svg" in body
    assert "site-nav" not in body and "ログイン" not in body
    assert 'target="_blank" rel="noopener"' in body


def test_only_safe_methods(client):
    assert client.post(URL).status_code in (403, 405)  # CSRF or method
    from django.test import Client

    assert Client(enforce_csrf_checks=False).post(URL).status_code == 405


def test_the_landing_page_still_shows_the_headline(client, some_members):
    page = html(client.get("/"))
    assert "3<small> / 1,788</small>" in page
    assert "4<small> 人</small>" in page


def test_approval_and_withdrawal_show_on_the_page_at_once(
    client, django_capture_on_commit_callbacks
):
    """The account services invalidate the coverage cache after commit."""
    from accounts.services import application_approve, member_withdraw
    from tests.factories import StaffFactory

    staff = StaffFactory(local_government=None, affiliation_type="")
    applicant = ApplicantFactory(local_government=local_government("014290"))
    assert 'data-testid="covered">0<small>' in html(client.get(URL))  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        application_approve(user_id=applicant.pk, actor=staff)
    assert 'data-testid="covered">1<small>' in html(client.get(URL))
    with django_capture_on_commit_callbacks(execute=True):
        member_withdraw(user_id=applicant.pk, actor=staff)
    assert 'data-testid="covered">0<small>' in html(client.get(URL))


def test_the_public_member_count_leaves_out_staff_accounts(client, some_members):
    """Issue 10 item 7: with 300 members and the staff account, the page said 301 人."""
    from tests.factories import StaffFactory

    StaffFactory(local_government=None, affiliation_type="")
    StaffFactory(local_government=local_government("472018"))  # staff with an affiliation
    coverage_invalidate()
    for url in (URL, "/"):
        page = html(client.get(url))
        assert "4<small> 人</small>" in page, url  # the four members of some_members
        assert "3<small> / 1,788</small>" in page, url  # 那覇市 is not covered by staff
