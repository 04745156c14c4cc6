"""Reads: the results a member (or a visitor) may see, and 似た質問.

Visibility is decided in the database, before counting: a row is a candidate only when
the kind's registered rule (`registry.Kind.visible(user)`) says the searcher may read it
at this moment, so counts, snippets and suggestions never show anything else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from . import backend, registry, text
from .models import Document

PER_PAGE = 20
# 「500件以上」: the newest 500 matches are counted and ranked, 25 pages. Counting and
# ranking further costs time (ranking reads each match's vector on PostgreSQL: the 50
# benchmark queries' median was 26.6 ms at 1,000, 19.0 ms at 500) and tells nothing a
# member pages through; the page then asks to narrow the search.
COUNT_CAP = 500
PAGES_MAX = COUNT_CAP // PER_PAGE
SIMILAR_MIN = 4
SIMILAR_MAX = 5
PERIODS = {"week": ("1週間以内", 7), "month": ("1か月以内", 31), "year": ("1年以内", 366)}
STATES = {"solved": "解決済み", "unsolved": "未解決"}
SORTS = {"relevance": "関連度順", "newest": "新しい順"}
LIST_FIELDS = (
    "id",
    "kind",
    "object_id",
    "section_id",
    "state",
    "date",
    "title",
    "body",
    "url",
    "hidden",
)


def _is_member(user) -> bool:
    return bool(user is not None and user.is_authenticated and getattr(user, "is_member", False))


def visible_q(user, kinds: list[str] | None = None) -> Q:
    """The rows `user` may read now. Visitors (and applicants): public rows only."""
    if not _is_member(user):
        q = Q(public=True, hidden=False)
        return q & Q(kind__in=kinds) if kinds is not None else q
    groups: dict[Any, list[str]] = {}  # kinds that share a rule are asked once
    for spec in registry.kinds():
        if kinds is None or spec.name in kinds:
            groups.setdefault(spec.visible, []).append(spec.name)
    combined = Q(pk__in=[])
    for rule, names in groups.items():
        combined |= Q(kind__in=names) & rule(user)
    return combined


def visible(user, kinds: list[str] | None = None) -> QuerySet[Document]:
    return Document.objects.filter(visible_q(user, kinds))


@dataclass
class Filters:
    q: str = ""
    kind: str = ""
    section: int | None = None
    state: str = ""
    period: str = ""
    sort: str = "relevance"

    @classmethod
    def parse(cls, data: Any) -> Filters:
        """From a query string; anything unknown is ignored (never an error)."""
        kind = data.get("kind", "")
        section_raw = (data.get("section") or "").strip()
        section = int(section_raw) if section_raw.isdigit() and len(section_raw) < 12 else None
        state = data.get("state", "")
        period = data.get("period", "")
        sort = data.get("sort", "relevance")
        return cls(
            q=(data.get("q") or "")[: text.QUERY_MAX].strip(),
            kind=kind if kind in registry.labels() else "",
            section=section,
            state=state if state in STATES else "",
            period=period if period in PERIODS else "",
            sort=sort if sort in SORTS else "relevance",
        )

    def as_query(self, **override: Any) -> dict[str, str]:
        values = {
            "q": self.q,
            "kind": self.kind,
            "section": str(self.section or ""),
            "state": self.state,
            "period": self.period,
            "sort": "" if self.sort == "relevance" else self.sort,
        }
        values.update({k: str(v) for k, v in override.items()})
        return {k: v for k, v in values.items() if v}


@dataclass
class Result:
    kind: str
    kind_label: str
    title: str
    title_html: Any
    snippet: Any
    url: str
    date: datetime
    section_name: str
    state: str


@dataclass
class Results:
    filters: Filters
    terms: list[text.Term]
    results: list[Result]
    count: int
    capped: bool
    page: int
    num_pages: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def start_index(self) -> int:
        return (self.page - 1) * PER_PAGE + 1 if self.results else 0


def _filtered(user, filters: Filters, now: datetime) -> QuerySet[Document]:
    rows = visible(user)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.section:
        rows = rows.filter(section_id=filters.section)
    if filters.state:
        rows = rows.filter(state=filters.state)
    if filters.period:
        rows = rows.filter(date__gte=now - timedelta(days=PERIODS[filters.period][1]))
    return rows


def section_names(section_ids: set[int]) -> dict[int, str]:
    """Names of sections from their own index rows (search imports no sections)."""
    if not section_ids:
        return {}
    rows = Document.objects.filter(kind="section", object_id__in=sorted(section_ids))
    return dict(rows.values_list("object_id", "title"))


def section_choices() -> list[tuple[int, str]]:
    """Every section (sections are readable by every member), by name."""
    return list(
        Document.objects.filter(kind="section").order_by("title").values_list("object_id", "title")
    )


def _page_number(page: Any) -> int:
    try:
        number = int(str(page)[:6])
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), PAGES_MAX)


def _results(rows: list[Document], terms: list[text.Term]) -> list[Result]:
    labels = registry.labels()
    names = section_names({r.section_id for r in rows if r.section_id and r.kind != "section"})
    out = []
    for row in rows:
        out.append(
            Result(
                kind=row.kind,
                kind_label=labels.get(row.kind, row.kind),
                title=row.title,
                title_html=text.highlight(row.title, terms),
                snippet=text.snippet(row.body, terms),
                url=row.url,
                date=row.date,
                section_name=names.get(row.section_id or 0, "") if row.kind != "section" else "",
                state=STATES.get(row.state, ""),
            )
        )
    return out


def newest_matches(rows: QuerySet[Document]) -> list[tuple[int, float | None]]:
    """(id, relevance or None) of the newest COUNT_CAP + 1 matches (one query): their
    number is the capped count, and the newest COUNT_CAP are what relevance orders."""
    return backend.newest(rows, COUNT_CAP + 1)


def ranked_ids(newest: list[tuple[int, float | None]], terms, *, any_of: bool = False) -> list[int]:
    """The ids of `newest` (newest first) best first. Relevance orders the newest
    COUNT_CAP matches of a search, not all of them: a two-character term can match a
    third of the corpus, and ranking 34,000 rows took 0.3 s on PostgreSQL; the newest
    1,000, 15 ms. A search with more matches says 「500件以上」 and offers the filters.
    Where the backend gave the relevance with the ids (SQLite), they are sorted here
    (relevance, then newest, as `backend.by_relevance`); else one query ranks them."""
    kept = newest[:COUNT_CAP]
    if kept and kept[0][1] is not None:
        # `kept` is newest first, so a stable sort on relevance keeps newest among equals.
        return [pk for pk, _ in sorted(kept, key=lambda row: -(row[1] or 0.0))]
    ids = [pk for pk, _ in kept]
    rows = backend.match(
        backend.among(Document.objects.all(), ids), terms, any_of=any_of, matched=True
    )
    return list(backend.by_relevance(rows).values_list("id", flat=True))


def search(*, user, filters: Filters, page: Any = 1, now: datetime | None = None) -> Results:
    """One page of results (four queries at most: the newest matches' ids, on PostgreSQL
    their ranking, the page's rows, section names)."""
    now = now or timezone.now()
    terms = text.parse(filters.q)
    number = _page_number(page)
    if not terms:
        return Results(filters, terms, [], 0, False, 1, 1)
    newest = newest_matches(backend.match(_filtered(user, filters, now), terms))
    count = len(newest)
    capped = count > COUNT_CAP
    count = min(count, COUNT_CAP)
    num_pages = max(1, -(-count // PER_PAGE))
    number = min(number, num_pages)
    offset = (number - 1) * PER_PAGE
    if not count:
        ids: list[int] = []
    elif filters.sort == "newest":
        ids = [pk for pk, _ in newest[:COUNT_CAP]][offset : offset + PER_PAGE]
    else:
        # Order the matches by their ids only, then read the page's rows (the texts of 20
        # rows, not of every match, go through the sort).
        ids = ranked_ids(newest, terms)[offset : offset + PER_PAGE]
    by_id = {d.pk: d for d in Document.objects.filter(pk__in=ids).only(*LIST_FIELDS)} if ids else {}
    page_rows = [by_id[i] for i in ids if i in by_id]
    return Results(filters, terms, _results(page_rows, terms), count, capped, number, num_pages)


def matching_ids(*, user, q: str, kinds: list[str], limit: int = COUNT_CAP) -> list[int]:
    """The object ids of `kinds` that match `q` and that `user` may read, best first
    (the /qa/ page's query; relevance over the newest COUNT_CAP matches)."""
    terms = text.parse(q)
    if not terms:
        return []
    newest = newest_matches(backend.match(visible(user, kinds), terms))
    if not newest:
        return []
    ids = ranked_ids(newest, terms)[:limit]
    objects = dict(Document.objects.filter(pk__in=ids).values_list("id", "object_id"))
    return [objects[i] for i in ids if i in objects]


def similar(*, user, title: str) -> list[Result]:
    """似た質問: up to five readable topics and 参考Q&A entries that share the most words
    with a question's title (from four characters)."""
    title = (title or "")[: text.QUERY_MAX]
    if len(title.strip()) < SIMILAR_MIN:
        return []
    kinds = [k.name for k in registry.kinds() if k.similar]
    tokens = text.similar_tokens(title)
    if not tokens or not kinds:
        return []
    terms = [text.Term(t, (t,), False) for t in tokens]
    newest = newest_matches(backend.match(visible(user, kinds), terms, any_of=True))
    if not newest:
        return []
    ids = ranked_ids(newest, terms, any_of=True)[:SIMILAR_MAX]
    by_id = {d.pk: d for d in Document.objects.filter(pk__in=ids).only(*LIST_FIELDS)}
    found = [by_id[i] for i in ids if i in by_id]
    return _results(found, terms)
