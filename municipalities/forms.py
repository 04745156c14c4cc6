"""The shape of the coverage page's query string.

A plain parser rather than a `django.forms.Form`: it runs on every request of the busiest
public page (also for conditional GETs answered with 304), and three optional fields do not
need a form's machinery.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# ?sort= values: (field of PrefectureCoverage, descending).
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
QUERY_MAX_LENGTH = 50
PREFECTURE_ERROR = (
    "都道府県の指定「{value}」は正しくありません。"
    "01（北海道）〜47（沖縄県）の番号で指定してください。"
)
QUERY_ERROR = f"検索語は{QUERY_MAX_LENGTH}文字以内で入力してください。"


@dataclass(frozen=True)
class CoverageQuery:
    """?prefecture=13&sort=-rate&q=ちよだ — every part optional."""

    prefecture: str = ""  # "01".."47" or ""
    sort: str = DEFAULT_SORT
    q: str = ""
    error: str = ""  # a message for the visitor when the query string is unusable


def coverage_query_parse(params: Mapping[str, str]) -> CoverageQuery:
    prefecture = (params.get("prefecture") or "").strip()
    if prefecture:
        if not (prefecture.isascii() and prefecture.isdigit() and len(prefecture) <= 2) or not (
            1 <= int(prefecture) <= 47
        ):
            return CoverageQuery(error=PREFECTURE_ERROR.format(value=prefecture[:10]))
        prefecture = f"{int(prefecture):02d}"
    q = (params.get("q") or "").strip()
    if len(q) > QUERY_MAX_LENGTH:
        return CoverageQuery(error=QUERY_ERROR)
    # An unknown sort is harmless: fall back to the default order.
    sort = params.get("sort") or DEFAULT_SORT
    if sort not in SORTS:
        sort = DEFAULT_SORT
    return CoverageQuery(prefecture=prefecture, sort=sort, q=q)
