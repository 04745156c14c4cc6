"""The results page and 似た質問 cost the same number of queries for a small and a large
corpus (and whatever the kinds of the results)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from discussions import services as ds


def _count(client, url, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_results_page_is_constant_as_the_corpus_grows(
    client, corpus, django_assert_max_num_queries
):
    head = corpus.roles["head"]
    client.force_login(head)
    url = reverse("search:search")
    params = {"q": "予約"}
    small = _count(client, url, params)
    similar_small = _count(client, reverse("search:similar"), {"title": "予約の方法を知りたい"})
    section = corpus.objects["sec:防災対策課"]
    for i in range(60):
        t = ds.topic_create(
            section_id=section.pk,
            author=head,
            kind="question",
            title=f"予約の相談{i}",
            body="予約が多い",
        ).topic
        ds.reply_create(topic_id=t.pk, author=head, body=f"予約は{i}件です")
    large = _count(client, url, params)
    assert large == small
    # Newest first reads the page from the newest matches' ids (no ranking query, which
    # only PostgreSQL needs): never more.
    assert _count(client, url, {"q": "予約", "sort": "newest", "page": "3"}) <= small
    assert (
        _count(client, reverse("search:similar"), {"title": "予約の方法を知りたい"})
        == similar_small
    )
    with django_assert_max_num_queries(12):
        client.get(url, params)
