"""JIS X 0402 local-government codes (全国地方公共団体コード)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_CSV = DATA_DIR / "municipalities.csv"
KINDS = ("prefecture", "city", "ward", "town", "village")


def check_digit(first_five: str) -> int:
    """The sixth digit of a JIS X 0402 code, computed from the first five."""
    total = sum(int(d) * w for d, w in zip(first_five, (6, 5, 4, 3, 2), strict=True))
    remainder = total % 11
    return (11 - remainder) % 10 if remainder else 1


def is_valid_code(code: str) -> bool:
    return (
        isinstance(code, str)
        and len(code) == 6
        and code.isdigit()
        and 1 <= int(code[:2]) <= 47
        and check_digit(code[:5]) == int(code[5])
    )


@dataclass(frozen=True)
class Row:
    code: str
    prefecture_code: str
    prefecture: str
    name: str
    name_kana: str
    kind: str
    lat: float | None
    lng: float | None
    replaces: tuple[str, ...] = field(default=())


class CodeListError(ValueError):
    pass


def parse_csv(text: str) -> list[Row]:
    """Parse and validate a whole list; raises CodeListError naming the first bad line."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    required = {"code", "prefecture_code", "prefecture", "name", "name_kana", "kind"}
    missing = required - set(reader.fieldnames or [])
    if missing:
        raise CodeListError(f"列がありません: {', '.join(sorted(missing))}")
    rows: list[Row] = []
    seen: set[str] = set()
    for lineno, raw in enumerate(reader, start=2):
        code = (raw["code"] or "").strip()
        if not is_valid_code(code):
            raise CodeListError(f"{lineno}行目: 団体コード {code!r} が正しくありません")
        if code in seen:
            raise CodeListError(f"{lineno}行目: 団体コード {code} が重複しています")
        seen.add(code)
        kind = (raw["kind"] or "").strip()
        if kind not in KINDS:
            raise CodeListError(f"{lineno}行目: 種別 {kind!r} は使えません")
        if raw["prefecture_code"].strip() != code[:2]:
            raise CodeListError(f"{lineno}行目: 都道府県コードが団体コードと一致しません")
        if not raw["name"].strip() or not raw["name_kana"].strip():
            raise CodeListError(f"{lineno}行目: 名称と読みは必須です")

        def _float(value: str | None) -> float | None:
            return float(value) if value not in (None, "") else None

        rows.append(
            Row(
                code=code,
                prefecture_code=code[:2],
                prefecture=raw["prefecture"].strip(),
                name=raw["name"].strip(),
                name_kana=raw["name_kana"].strip(),
                kind=kind,
                lat=_float(raw.get("lat")),
                lng=_float(raw.get("lng")),
                replaces=tuple(c for c in (raw.get("replaces") or "").split(";") if c.strip()),
            )
        )
    prefectures = {r.prefecture_code for r in rows if r.kind == "prefecture"}
    if {r.prefecture_code for r in rows} - prefectures:
        raise CodeListError("都道府県の行がない団体があります")
    return rows


def read_default() -> list[Row]:
    return parse_csv(DEFAULT_CSV.read_text(encoding="utf-8"))
