"""Reads over the local-government list and over computed coverage.

Coverage itself (computing it, sharing it between processes, keeping it in each process)
lives in `municipalities.coverage`; the reads below take a `CoverageData` and cost no
query once this process has the rows.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.db.models import QuerySet

from . import coverage
from .coverage import CoverageData, LocalGovernmentRow, PrefectureCoverage
from .forms import DEFAULT_SORT, SORTS
from .models import LocalGovernment

SEARCH_LIMIT = 100


def local_governments_current() -> QuerySet[LocalGovernment]:
    return LocalGovernment.objects.filter(is_defunct=False).select_related("prefecture")


def coverage_data() -> CoverageData:
    """The current coverage (see `municipalities.coverage.data`)."""
    return coverage.data()


def coverage_headline() -> dict[str, int | float]:
    """Covered local governments, the total, and the number of members."""
    data = coverage.data()
    return {
        "covered": data.covered,
        "total": data.total,
        "percent": data.percent,
        "members": data.members,
    }


# --- Reads over computed data (no queries) ------------------------------------------------
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
    rows = [r for r in coverage.rows(data) if r.prefecture_code == code]
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
    for row in coverage.rows(data):
        if prefecture and row.prefecture_code != prefecture:
            continue
        if needle in row.name or needle in row.name_kana or needle in row.display_name:
            matches.append((row, row.code in data.covered_codes))
    return SearchResult(rows=matches[:SEARCH_LIMIT], count=len(matches))


def coverage_open_data(data: CoverageData) -> list[dict[str, str | bool]]:
    """One record per current local government, with stable English keys for programs:
    code, prefecture, name, kind, covered. Nothing about members: no names and no
    per-local-government counts."""
    return [
        {
            "code": row.code,
            "prefecture": row.prefecture_name,
            "name": row.name,
            "kind": row.kind,
            "covered": row.code in data.covered_codes,
        }
        for row in coverage.rows(data)
    ]


OPEN_DATA_CSV_HEADER = ("団体コード", "都道府県", "団体名", "種別", "参加")


def coverage_open_data_table(data: CoverageData) -> list[tuple[str, str, str, str, bool]]:
    """The same records for people (the CSV opened in Excel): Japanese kind labels, and
    参加 as a boolean that the CSV writer spells はい/いいえ."""
    return [
        (
            row.code,
            row.prefecture_name,
            row.name,
            row.kind_label,
            row.code in data.covered_codes,
        )
        for row in coverage.rows(data)
    ]
