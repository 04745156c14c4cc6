"""Relevance orders the newest COUNT_CAP matches of a search (search.selectors.ranked):
the count says 「…件以上」, newest-first and relevance read the same set, and an older
match beyond the cap is not ranked in."""

from __future__ import annotations

import pytest

from search import selectors

pytestmark = pytest.mark.django_db


def test_relevance_orders_the_newest_matches_only(corpus, monkeypatch):
    user = corpus.roles["insider"]
    everything = selectors.search(user=user, filters=selectors.Filters(q="予約"))
    assert everything.count >= 4 and not everything.capped
    newest_first = selectors.search(user=user, filters=selectors.Filters(q="予約", sort="newest"))
    all_urls = [r.url for r in newest_first.results]

    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    capped = selectors.search(user=user, filters=selectors.Filters(q="予約"))
    assert capped.capped and capped.count == 3
    # The ranked page holds exactly the 3 newest matches, in relevance order.
    assert sorted(r.url for r in capped.results) == sorted(all_urls[:3])
    newest = selectors.search(user=user, filters=selectors.Filters(q="予約", sort="newest"))
    assert [r.url for r in newest.results] == all_urls[:3]


def test_the_page_says_when_only_the_newest_matches_are_shown(client, corpus, monkeypatch):
    from django.urls import reverse

    client.force_login(corpus.roles["insider"])
    url = reverse("search:search")
    assert "data-search-capped" not in client.get(url, {"q": "予約"}).content.decode()
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    html = client.get(url, {"q": "予約"}).content.decode()
    assert "検索結果 2件以上" in html and "data-search-capped" in html
    assert "新しい2件を関連度順に表示しています" in html
    assert html.count('class="search-item"') == 2
