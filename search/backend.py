"""The one module that knows the database: how tokens are matched and ranked.

SQLite: the FTS5 table `search_fts` (external content = search_document, kept by
triggers; see migration 0002) joined on rowid; relevance is bm25().
PostgreSQL: `tsv @@ to_tsquery('simple', …)` over the stored `to_tsvector('simple',
tokens)` (a generated column, migration 0003), answered by its GIN index; relevance is
ts_rank() over the stored vector.

Both receive the same parsed terms (`search.text.parse`) and return the same rows."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from .text import Term

FTS_TABLE = "search_fts"
PG_VECTOR = "search_document.tsv"


def vendor() -> str:
    return connection.vendor


# --- Query strings ------------------------------------------------------------------------


def fts5_query(terms: list[Term], *, any_of: bool = False) -> str:
    """FTS5: each term a phrase ("a b c", the last token a prefix with *), ANDed."""
    parts = []
    for term in terms:
        phrase = '"' + " ".join(term.tokens) + '"'
        parts.append(phrase + ("*" if term.prefix else ""))
    return (" OR " if any_of else " AND ").join(parts)


def _pg_token(token: str) -> str:
    return "'" + token.replace("'", "''") + "'"


def tsquery(terms: list[Term], *, any_of: bool = False) -> str:
    """PostgreSQL: each term a phrase (a <-> b <-> c, the last token :* for a prefix)."""
    parts = []
    for term in terms:
        tokens = [_pg_token(t) for t in term.tokens]
        if term.prefix:
            tokens[-1] += ":*"
        parts.append("(" + " <-> ".join(tokens) + ")")
    return (" | " if any_of else " & ").join(parts)


# --- Filtering and ranking ----------------------------------------------------------------


def match(
    queryset: QuerySet, terms: list[Term], *, any_of: bool = False, matched: bool = False
) -> QuerySet:
    """The rows of `queryset` whose tokens match every term (`any_of`: any term), with
    `search_rank` selected (higher is better on both backends). `matched`: the rows are
    known to match already (PostgreSQL then only ranks them: each vector is read once,
    not twice)."""
    if not terms:
        return queryset.none()
    if vendor() == "postgresql":
        expression = tsquery(terms, any_of=any_of)
        if matched:
            return queryset.extra(
                select={"search_rank": f"ts_rank({PG_VECTOR}, to_tsquery('simple', %s))"},
                select_params=[expression],
            )
        return queryset.extra(
            select={"search_rank": f"ts_rank({PG_VECTOR}, to_tsquery('simple', %s))"},
            select_params=[expression],
            where=[f"{PG_VECTOR} @@ to_tsquery('simple', %s)"],
            params=[expression],
        )
    expression = fts5_query(terms, any_of=any_of)
    return queryset.extra(
        select={"search_rank": f"-bm25({FTS_TABLE})"},
        tables=[FTS_TABLE],
        where=[f"{FTS_TABLE}.rowid = search_document.id", f"{FTS_TABLE} MATCH %s"],
        params=[expression],
    )


def newest(matched: QuerySet, limit: int) -> list[tuple[int, float | None]]:
    """The newest `limit` rows of a `match()` queryset: (id, relevance). SQLite's bm25()
    comes from the FTS5 index at no cost, so it is read here and the caller sorts in
    Python; PostgreSQL's ts_rank() reads each row's vector, so it is left out (None) and
    the caller ranks the rows it keeps in a second query (`by_relevance`)."""
    ordered = by_date(matched)
    if vendor() == "postgresql":
        return [(pk, None) for pk in ordered.values_list("id", flat=True)[:limit]]
    return list(ordered.values_list("id", "search_rank")[:limit])


def among(queryset: QuerySet, ids: list[int]) -> QuerySet:
    """The rows of `queryset` whose id is in `ids`. On PostgreSQL one array parameter
    (`id = ANY(%s)`): psycopg parses a query's placeholders on the client, and 1,000 of
    them (`pk__in`) cost more than the ranking they feed."""
    if vendor() == "postgresql":
        return queryset.extra(where=["search_document.id = ANY(%s)"], params=[list(ids)])
    return queryset.filter(pk__in=ids)


def by_relevance(queryset: QuerySet) -> QuerySet:
    return queryset.order_by("-search_rank", "-date", "-id")


def by_date(queryset: QuerySet) -> QuerySet:
    return queryset.order_by("-date", "-id")


def index_size_bytes() -> int:
    """Bytes of the full-text index (benchmarks)."""
    with connection.cursor() as cursor:
        if vendor() == "postgresql":
            cursor.execute("SELECT pg_relation_size('search_document_tsv_gin')")
            return int(cursor.fetchone()[0])
        cursor.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE %s", [f"{FTS_TABLE}%"])
        return int(cursor.fetchone()[0] or 0)
