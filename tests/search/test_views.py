"""/search/, its htmx fragment, 似た質問 on the new-topic form, /qa/?q= and the header box."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from discussions import services as ds
from search.management.commands import search_rebuild  # noqa: F401 (the command exists)
from search.models import Document


def test_the_search_page_lists_highlighted_results_and_filters(client, corpus):
    client.force_login(corpus.roles["insider"])
    response = client.get(reverse("search:search"), {"q": "予約"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<mark>予約</mark>" in html
    assert 'name="kind"' in html and 'name="state"' in html and 'name="section"' in html
    assert "防災対策検証課" in html  # the section filter and the results' section
    assert 'id="search-results"' in html
    assert re.search(r'data-search-count="\d+"', html)


def test_the_htmx_request_gets_the_results_fragment_only(client, corpus):
    client.force_login(corpus.roles["insider"])
    response = client.get(
        reverse("search:search"), {"q": "予約", "state": "solved"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="search-results"')
    assert "<html" not in html
    assert "ワクチン接種の<mark>予約</mark>方法" in html and "マイナンバー" not in html
    assert "HX-Request" in response["Vary"]


def test_empty_no_terms_and_no_results(client, corpus):
    client.force_login(corpus.roles["insider"])
    assert "探したい言葉を入力してください" in client.get(reverse("search:search")).content.decode()
    assert (
        "検索できる文字が含まれていません"
        in client.get(reverse("search:search"), {"q": "、。！"}).content.decode()
    )
    html = client.get(
        reverse("search:search"), {"q": "存在しない語句", "kind": "topic"}
    ).content.decode()
    assert "見つかりませんでした" in html and "絞り込みを外す" in html


def test_pagination_keeps_the_filters(client, corpus, settings):
    head = corpus.roles["head"]
    section = corpus.objects["sec:防災対策課"]
    for i in range(25):
        ds.topic_create(
            section_id=section.pk, author=head, kind="share", title=f"備蓄品の点検{i}", body="備蓄"
        )
    client.force_login(head)
    html = client.get(reverse("search:search"), {"q": "備蓄品", "kind": "topic"}).content.decode()
    assert "1 / 2 ページ" in html
    assert "q=%E5%82%99%E8%93%84%E5%93%81&amp;kind=topic&amp;page=2" in html
    page2 = client.get(reverse("search:search"), {"q": "備蓄品", "kind": "topic", "page": "2"})
    assert page2.content.decode().count('class="search-item"') == 5
    # a page past the end is the last page, a silly one the first
    assert (
        client.get(reverse("search:search"), {"q": "備蓄品", "page": "999999"}).status_code == 200
    )
    assert client.get(reverse("search:search"), {"q": "備蓄品", "page": "x"}).status_code == 200


def test_a_snippet_is_escaped(client, corpus):
    head = corpus.roles["head"]
    section = corpus.objects["sec:防災対策課"]
    ds.topic_create(
        section_id=section.pk,
        author=head,
        kind="share",
        title="スクリプト注意",
        body="<script>alert(1)</script> 注意喚起",
    )
    client.force_login(head)
    html = client.get(reverse("search:search"), {"q": "注意喚起"}).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_similar_questions_fragment_and_the_new_topic_form(client, corpus):
    member = corpus.roles["outsider"]
    client.force_login(member)
    section = corpus.objects["sec:防災対策課"]
    form = client.get(reverse("discussions:topic_new", args=[section.slug])).content.decode()
    assert 'hx-get="/search/similar/"' in form and 'id="similar-questions"' in form
    html = client.get(
        reverse("search:similar"), {"title": "ワクチン接種の予約を取りたい"}
    ).content.decode()
    assert "似た質問" in html and "ワクチン接種の予約方法" in re.sub(r"</?mark>", "", html)
    assert client.get(reverse("search:similar"), {"title": "ワクチ"}).content.decode().strip() == ""
    none = client.get(
        reverse("search:similar"), {"title": "まったく関係のない語句"}
    ).content.decode()
    assert "見つかりませんでした" in none


@pytest.mark.parametrize("anonymous", [True, False])
def test_qa_query_searches_published_entries_only_for_visitors(client, corpus, anonymous):
    if not anonymous:
        client.force_login(corpus.roles["insider"])
    html = client.get(reverse("discussions:qa"), {"q": "評価"}).content.decode()
    if anonymous:
        assert "非公開の評価メモ" not in html
    else:
        assert "非公開の評価メモ" in html
    html = client.get(reverse("discussions:qa"), {"q": "申告期限"}).content.decode()
    assert "住民税の申告期限" in html and "避難所の開設手順" not in html


def test_the_header_has_the_search_box_for_members_only(client, corpus):
    assert (
        'role="search"'
        not in client.get(reverse("discussions:qa")).content.decode().split("<main")[0]
    )
    client.force_login(corpus.roles["outsider"])
    header = client.get(reverse("home")).content.decode().split("<main")[0]
    assert f'action="{reverse("search:search")}"' in header and 'name="q"' in header


def test_search_rebuild_is_idempotent_and_reports_counts(corpus, capsys):
    from django.core.management import call_command

    call_command("search_rebuild", "--no-progress")  # the sections made by migrations too
    capsys.readouterr()
    before = sorted(Document.objects.values_list("kind", "object_id", "tokens"))
    Document.objects.filter(kind="topic").delete()
    Document.objects.filter(kind="post").update(tokens="x")
    call_command("search_rebuild")
    out = capsys.readouterr()
    assert "話題（topic）: 追加 12 更新 0" in out.out and "返信（post）: 追加 0 更新 5" in out.out
    assert "[" in out.err and "]" in out.err  # the progress bar
    assert sorted(Document.objects.values_list("kind", "object_id", "tokens")) == before
    call_command("search_rebuild", "--no-progress")
    again = capsys.readouterr().out
    assert "追加 0 更新 0" in again.splitlines()[-1]
