"""Reads over the local-government list and who is covered.

Coverage is computed by `coverage_data()` with a constant number of queries (two: one
grouped query over the active members, one over the current local governments), whatever
the number of members. The result is one small cache entry (`COVERAGE_CACHE_KEY`) that
lives at most `COVERAGE_TTL` seconds and is deleted by `services.coverage_invalidate()`
when a membership changes. The local-government rows themselves (names, readings,
coordinates) change only when a new list is loaded; each process keeps them in memory,
keyed by a fingerprint stored in the cache entry.

No stampede: one caller at a time recomputes (`COVERAGE_LOCK_KEY`); an entry older than
`COVERAGE_REFRESH_AFTER` is refreshed by one caller while the others keep using it, and
after an invalidation the others wait briefly for the one computing. An invalidation
also bumps a generation (`COVERAGE_GENERATION_KEY`), so a result computed before it and
stored after it is never used.
"""

from __future__ import annotations

import hashlib
import threading
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import Count

from accounts.models import AffiliationType
from accounts.selectors import active_members

from .models import LocalGovernment

TOTAL_LOCAL_GOVERNMENTS = 1788
COVERAGE_CACHE_KEY = "coverage:data:v1"
# Remembers when the numbers last changed, so that a recomputation that finds the same
# numbers keeps the same "last updated" time, ETag and rendered pages.
COVERAGE_STAMP_KEY = "coverage:stamp:v1"
COVERAGE_GENERATION_KEY = "coverage:generation:v1"
COVERAGE_LOCK_KEY = "coverage:lock:v1"
COVERAGE_LOCK_SECONDS = 10
# The page reflects a change within a minute even if an invalidation is missed: the entry
# expires after COVERAGE_TTL, and under traffic is refreshed after COVERAGE_REFRESH_AFTER.
COVERAGE_TTL = 60
COVERAGE_REFRESH_AFTER = 45
# Each process reuses what it read from the cache for this long (seconds) instead of
# reading and unpickling the entry on every request; an invalidation in another process
# is seen after at most this delay (in the same process, at once).
COVERAGE_LOCAL_SECONDS = 2.0
SEARCH_LIMIT = 100


def local_governments_current():
    return LocalGovernment.objects.filter(is_defunct=False).select_related("prefecture")


class LocalGovernmentRow(NamedTuple):
    code: str
    prefecture_code: str
    prefecture_name: str
    name: str
    name_kana: str
    kind: str
    lat: float | None
    lng: float | None

    @property
    def kind_label(self) -> str:
        return LocalGovernment.Kind(self.kind).label

    @property
    def display_name(self) -> str:
        if self.kind == LocalGovernment.Kind.PREFECTURE:
            return self.name
        return f"{self.prefecture_name}{self.name}"


@dataclass(frozen=True)
class PrefectureCoverage:
    code: str
    name: str
    covered: int
    total: int

    @property
    def percent(self) -> float:
        return round(self.covered * 100 / self.total, 1) if self.total else 0.0

    @property
    def ratio(self) -> float:
        return self.covered / self.total if self.total else 0.0


@dataclass(frozen=True)
class CoverageData:
    """Everything the public coverage outputs need, apart from the static rows."""

    version: str  # changes when any published number or row changes
    computed_at: datetime  # when these numbers were computed
    updated_at: datetime  # when the numbers last changed (shown as 最終更新)
    members: int  # approved, active members (all affiliations)
    covered_codes: frozenset[str]
    prefectures: tuple[PrefectureCoverage, ...]
    rows_key: str  # fingerprint of the local-government rows
    generation: str | None = None  # the invalidation generation it was computed in

    @property
    def covered(self) -> int:
        return len(self.covered_codes)

    @property
    def total(self) -> int:
        return sum(p.total for p in self.prefectures) or TOTAL_LOCAL_GOVERNMENTS

    @property
    def percent(self) -> float:
        return round(self.covered * 100 / self.total, 1) if self.total else 0.0

    def prefecture(self, code: str) -> PrefectureCoverage | None:
        for pref in self.prefectures:
            if pref.code == code:
                return pref
        return None


# --- Per-process memo of the local-government rows -----------------------------------------
_rows_lock = threading.Lock()
_rows_memo: dict[str, tuple[LocalGovernmentRow, ...]] = {}


def _rows_load() -> tuple[LocalGovernmentRow, ...]:
    return tuple(
        LocalGovernmentRow(*values)
        for values in LocalGovernment.objects.filter(is_defunct=False)
        .order_by("code")
        .values_list(
            "code", "prefecture_id", "prefecture__name", "name", "name_kana", "kind", "lat", "lng"
        )
    )


def _rows_fingerprint(rows: Iterable[LocalGovernmentRow]) -> str:
    digest = hashlib.blake2b(digest_size=8)
    for row in rows:
        digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def _rows_remember(key: str, rows: tuple[LocalGovernmentRow, ...]) -> None:
    with _rows_lock:
        _rows_memo.clear()  # only the current list is worth keeping
        _rows_memo[key] = rows


def coverage_rows_forget() -> None:
    """Drop this process's copy of the local-government rows (after loading a new list)."""
    with _rows_lock:
        _rows_memo.clear()


def coverage_local_governments(data: CoverageData) -> tuple[LocalGovernmentRow, ...]:
    """The current local governments in code order, as the data was computed against.
    No query when this process has them already."""
    rows = _rows_memo.get(data.rows_key)
    if rows is None:
        rows = _rows_load()
        _rows_remember(data.rows_key, rows)
    return rows


# --- Computing and caching -----------------------------------------------------------------
def _covered_ids() -> tuple[set[int], int]:
    """Ids of covered local governments and the number of active members, in one query.

    A member counts for a local government when their current affiliation is a local
    government; a member still attached to a merged (defunct) one counts for its successor.
    """
    groups = (
        active_members()
        .values("affiliation_type", "local_government_id", "local_government__successor_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    covered: set[int] = set()
    members = 0
    for group in groups:
        members += group["n"]
        if group["affiliation_type"] != AffiliationType.LOCAL_GOVERNMENT:
            continue
        if group["local_government_id"]:
            covered.add(group["local_government_id"])
        if group["local_government__successor_id"]:
            covered.add(group["local_government__successor_id"])
    return covered, members


def coverage_compute(*, generation: str | None = None) -> CoverageData:
    """Compute coverage from the database: two queries, whatever the number of members."""
    covered_ids, members = _covered_ids()
    with_ids = list(
        LocalGovernment.objects.filter(is_defunct=False)
        .order_by("code")
        .values_list(
            "pk",
            "code",
            "prefecture_id",
            "prefecture__name",
            "name",
            "name_kana",
            "kind",
            "lat",
            "lng",
        )
    )
    rows = tuple(LocalGovernmentRow(*values[1:]) for values in with_ids)
    covered_codes = frozenset(values[1] for values in with_ids if values[0] in covered_ids)
    rows_key = _rows_fingerprint(rows)
    _rows_remember(rows_key, rows)

    per_pref: dict[str, list] = {}
    for row in rows:
        entry = per_pref.setdefault(row.prefecture_code, [row.prefecture_name, 0, 0])
        entry[2] += 1
        if row.code in covered_codes:
            entry[1] += 1
    prefectures = tuple(
        PrefectureCoverage(code=code, name=name, covered=covered, total=total)
        for code, (name, covered, total) in sorted(per_pref.items())
    )

    content = hashlib.blake2b(digest_size=8)
    content.update(f"{rows_key}|{members}|".encode())
    content.update(",".join(sorted(covered_codes)).encode())
    content_hash = content.hexdigest()

    now = datetime.fromtimestamp(int(time.time()), tz=UTC)
    stamp = cache.get(COVERAGE_STAMP_KEY)
    if stamp and stamp[0] == content_hash:
        updated_at = stamp[1]
    else:
        updated_at = now
        cache.set(COVERAGE_STAMP_KEY, (content_hash, now), timeout=None)
    return CoverageData(
        version=f"{content_hash}-{int(updated_at.timestamp())}",
        computed_at=now,
        updated_at=updated_at,
        members=members,
        covered_codes=covered_codes,
        prefectures=prefectures,
        rows_key=rows_key,
        generation=generation,
    )


_local: list = [None, 0.0]  # [CoverageData | None, monotonic time it was read]


def coverage_local_forget() -> None:
    _local[0] = None


def _coverage_store(generation: str | None) -> CoverageData:
    data = coverage_compute(generation=generation)
    cache.set(COVERAGE_CACHE_KEY, data, timeout=COVERAGE_TTL)
    return data


def _coverage_refresh(generation: str | None, *, wait: bool) -> CoverageData | None:
    """Recompute and store, one caller at a time. A caller that does not get the lock
    returns None (`wait=False`), or waits up to a second for the result (`wait=True`)
    and computes it itself if none comes."""
    if cache.add(COVERAGE_LOCK_KEY, 1, timeout=COVERAGE_LOCK_SECONDS):
        try:
            return _coverage_store(generation)
        finally:
            cache.delete(COVERAGE_LOCK_KEY)
    if not wait:
        return None
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        time.sleep(0.05)
        data = cache.get(COVERAGE_CACHE_KEY)
        if data is not None and data.generation == generation:
            return data
    return _coverage_store(generation)


def coverage_data() -> CoverageData:
    """The current coverage: this process's copy when it was read in the last
    `COVERAGE_LOCAL_SECONDS`, else the cache entry, else computed and cached."""
    data, read_at = _local
    now = time.monotonic()
    if data is not None and now - read_at < COVERAGE_LOCAL_SECONDS:
        return data
    found = cache.get_many([COVERAGE_CACHE_KEY, COVERAGE_GENERATION_KEY])
    generation = found.get(COVERAGE_GENERATION_KEY)
    data = found.get(COVERAGE_CACHE_KEY)
    if data is not None and data.generation != generation:
        data = None  # computed before the latest invalidation
    if data is None:
        data = _coverage_refresh(generation, wait=True)
    elif time.time() - data.computed_at.timestamp() > COVERAGE_REFRESH_AFTER:
        data = _coverage_refresh(generation, wait=False) or data
    _local[0], _local[1] = data, now
    return data


def coverage_headline() -> dict[str, int | float]:
    """Covered local governments, the total, and the number of members."""
    data = coverage_data()
    return {
        "covered": data.covered,
        "total": data.total,
        "percent": data.percent,
        "members": data.members,
    }


# --- Reads over computed data (no queries) ------------------------------------------------
SORTS = {
    "code": ("code", False),
    "-code": ("code", True),
    "rate": ("ratio", False),
    "-rate": ("ratio", True),
    "covered": ("covered", False),
    "-covered": ("covered", True),
    "total": ("total", False),
    "-total": ("total", True),
}
DEFAULT_SORT = "code"


def coverage_prefecture_table(
    data: CoverageData, *, sort: str = DEFAULT_SORT
) -> list[PrefectureCoverage]:
    """The 47 prefectures, sorted; ties keep code order."""
    field, reverse = SORTS.get(sort, SORTS[DEFAULT_SORT])
    table = list(data.prefectures)
    if field == "code":
        return sorted(table, key=lambda p: p.code, reverse=reverse)
    table.sort(key=lambda p: p.code)
    return sorted(table, key=lambda p: getattr(p, field), reverse=reverse)


@dataclass(frozen=True)
class PrefectureDetail:
    prefecture: PrefectureCoverage
    covered: list[LocalGovernmentRow]
    uncovered: list[LocalGovernmentRow]


def coverage_prefecture_detail(data: CoverageData, code: str) -> PrefectureDetail | None:
    """A prefecture's local governments (the prefectural government first) in two groups."""
    pref = data.prefecture(code)
    if pref is None:
        return None
    rows = [r for r in coverage_local_governments(data) if r.prefecture_code == code]
    rows.sort(key=lambda r: (r.kind != LocalGovernment.Kind.PREFECTURE, r.code))
    return PrefectureDetail(
        prefecture=pref,
        covered=[r for r in rows if r.code in data.covered_codes],
        uncovered=[r for r in rows if r.code not in data.covered_codes],
    )


def to_katakana(text: str) -> str:
    """NFKC (half-width kana and full-width letters), then hiragana to katakana."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


def normalize_query(q: str) -> str:
    return "".join(to_katakana(q or "").split())


@dataclass(frozen=True)
class SearchResult:
    rows: list[tuple[LocalGovernmentRow, bool]]
    count: int  # all matches (rows holds at most SEARCH_LIMIT)


def coverage_search(data: CoverageData, q: str, *, prefecture: str | None = None) -> SearchResult:
    """Local governments whose name or reading contains `q` (hiragana, katakana or kanji;
    the prefecture name may be included, e.g. 東京都千代田区)."""
    needle = normalize_query(q)
    if not needle:
        return SearchResult(rows=[], count=0)
    matches = []
    for row in coverage_local_governments(data):
        if prefecture and row.prefecture_code != prefecture:
            continue
        if needle in row.name or needle in row.name_kana or needle in row.display_name:
            matches.append((row, row.code in data.covered_codes))
    return SearchResult(rows=matches[:SEARCH_LIMIT], count=len(matches))


def coverage_open_data(data: CoverageData) -> list[dict[str, str | bool]]:
    """One record per current local government: code, prefecture, name, kind, covered.
    Nothing about members: no names and no per-local-government counts."""
    return [
        {
            "code": row.code,
            "prefecture": row.prefecture_name,
            "name": row.name,
            "kind": row.kind,
            "covered": row.code in data.covered_codes,
        }
        for row in coverage_local_governments(data)
    ]
