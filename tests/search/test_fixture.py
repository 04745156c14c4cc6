"""The shared fixture of queries, run on whichever database the tests use (SQLite by
default; PostgreSQL with DATABASE_URL, as CI runs it).

For every query and every role:
- recall 1.00: every thing the role may read whose text contains the query (a plain
  substring scan of the sources, normalised) is found;
- nothing the role may not read is found (and the page count agrees);
- the results are exactly those in `expected_results.json`, the same file for both
  backends, so SQLite and PostgreSQL return the same things.
Regenerate the file (after a deliberate change) with SEARCH_WRITE_EXPECTED=1."""

from __future__ import annotations

import json
import os
from pathlib import Path

from discussions import selectors as dsel
from discussions.models import Entry, Post, Topic
from search import backend, selectors, text
from search.models import Document
from trainings.models import Training
from trainings.selectors import eligibility_problem

EXPECTED = Path(__file__).with_name("expected_results.json")

QUERIES = [
    # two-character kanji terms
    "接種",
    "税務",
    "条例",
    "防災",
    "予約",
    # one character (a substring match)
    "税",
    "災",
    "ン",
    "々",
    "ｱ",
    # Latin and digits (words that begin with the term)
    "DX",
    "dx",
    "lgwan",
    "2024",
    "covid",
    "COVID-19",
    "19",
    "a",
    "data",
    # full-width / half-width
    "ＤＸ",
    "２０２４",
    "ｺﾛﾅ",
    "ＬＧＷＡＮ",
    # hiragana / katakana
    "コロナ",
    "ころな",
    "ワクチン",
    "わくちん",
    "マイナンバー",
    "まいなんばー",
    # AND
    "ワクチン 予約",
    "条例 改正",
    "防災 訓練 避難",
    "lgwan 予約",
    "マイナンバーカード 交付",
    "税 条例",
    # phrases
    '"予約方法"',
    "「条例改正」",
    '"条例を改正"',
    "「住民票の写し」",
    '"予約 方法"',
    # mixed scripts
    "dx推進",
    "2024年度",
    "自治体DX",
    # other kinds
    "避難所",
    "議題",
    "保健師",
    "評価",
    "鈴木",
    "ラジオ",
    "防災対策検証課",
    # visibility
    "ひみつ",
    "削除キーワード",
    "機密",
    "非公開",
    # nothing
    "存在しない語句",
    "zzzz",
]


def _members_readable(user):
    """{(kind, id)} the role may read, from the apps' own rules (not the index)."""
    readable: set[tuple[str, int]] = set()
    if user.is_authenticated:
        readable |= {
            ("topic", pk) for pk in dsel.readable_topics(user).values_list("pk", flat=True)
        }
        readable |= {
            ("post", pk)
            for pk in dsel.readable_posts(user, Post.objects.filter(number__gt=1)).values_list(
                "pk", flat=True
            )
        }
        for training in Training.objects.filter(is_orientation=False):
            if eligibility_problem(training, user) is None:
                readable.add(("training", training.pk))
        readable |= set(
            Document.objects.filter(kind__in=["section", "meeting", "episode"]).values_list(
                "kind", "object_id"
            )
        )
    entries = dsel.readable_entries(user)
    readable |= {("entry", pk) for pk in entries.values_list("pk", flat=True)}
    return readable


def _source_texts(corpus) -> dict[tuple[str, int], str]:
    """The text of every thing, read from its own tables (not from the index)."""
    texts = {}
    for topic in Topic.objects.all():
        opening = topic.posts.get(number=1)
        body = "" if opening.deleted_at else opening.body
        texts[("topic", topic.pk)] = f"{topic.title}\n{body}"
    for post in Post.objects.filter(number__gt=1):
        texts[("post", post.pk)] = post.body
    for entry in Entry.objects.all():
        texts[("entry", entry.pk)] = f"{entry.title}\n{entry.question}\n{entry.answer}"
    for (kind, pk), label in corpus.labels.items():
        obj = corpus.objects[label]
        if kind == "section":
            texts[(kind, pk)] = f"{obj.name}\n{obj.department.name}\n{obj.description}\n{obj.rules}"
        elif kind == "meeting":
            e = obj.event
            texts[(kind, pk)] = f"{e.title}\n{e.description}\n{e.place}"
        elif kind == "training":
            lecturers = " ".join(x.name for x in obj.lecturers.all())
            texts[(kind, pk)] = f"{obj.event.title}\n{obj.event.description}\n{lecturers}"
        elif kind == "episode":
            guests = " ".join(f"{g.name} {g.affiliation}" for g in obj.guests.all())
            texts[(kind, pk)] = (
                f"{obj.programme.name}\n{obj.title}\n{obj.personalities}\n{guests}\n{obj.description}"
            )
    return {key: text.normalize(value) for key, value in texts.items()}


def _found(user, query: str) -> set[tuple[str, int]]:
    terms = text.parse(query)
    rows = backend.match(selectors.visible(user), terms)
    return set(rows.values_list("kind", "object_id"))


def test_the_fixture_has_at_least_forty_queries():
    assert len(QUERIES) >= 40
    assert len(set(QUERIES)) == len(QUERIES)


def test_every_query_on_this_backend(corpus):
    texts = _source_texts(corpus)
    got: dict[str, dict[str, list[str]]] = {}
    problems = []
    for role, user in corpus.roles.items():
        readable = _members_readable(user)
        got[role] = {}
        for query in QUERIES:
            terms = text.parse(query)
            assert terms, query
            wanted = {
                key
                for key in readable
                if key in texts and all(text.term_in(t, texts[key]) for t in terms)
            }
            found = _found(user, query)
            if wanted - found:
                problems.append((role, query, "missed", sorted(wanted - found)))
            if found - readable:
                problems.append((role, query, "not readable", sorted(found - readable)))
            page = selectors.search(user=user, filters=selectors.Filters(q=query))
            if user.is_authenticated and page.count != len(found):
                problems.append((role, query, "count", page.count, len(found)))
            got[role][query] = sorted(corpus.labels.get(key, f"?{key}") for key in found)
    assert not problems, problems
    if os.environ.get("SEARCH_WRITE_EXPECTED") == "1":
        EXPECTED.write_text(json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    expected = json.loads(EXPECTED.read_text())
    differences = [
        (role, q, expected[role].get(q), got[role][q])
        for role in got
        for q in QUERIES
        if expected[role].get(q) != got[role][q]
    ]
    assert not differences, differences


def test_recall_and_precision_are_both_one_on_the_fixture(corpus):
    """On this fixture the index finds exactly what the scan finds (as member)."""
    texts = _source_texts(corpus)
    user = corpus.roles["staff"]
    readable = _members_readable(user)
    for query in QUERIES:
        terms = text.parse(query)
        wanted = {
            k for k in readable if k in texts and all(text.term_in(t, texts[k]) for t in terms)
        }
        assert _found(user, query) == wanted, query
