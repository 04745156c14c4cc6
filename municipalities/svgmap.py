"""The coverage map of Japan as inline SVG, drawn on the server.

Pure functions: the renderer receives the prefectures' counts, the local-government rows
and the projected outlines, and keeps nothing. What is computed once per process (the
outlines) and rendered once per data version (the SVG) is kept by
`municipalities.coverage`, the one home of the coverage caches.

Projection: equirectangular with a cos(latitude) correction (good enough at page size).
The main frame holds Hokkaido to Kyushu, including the Izu islands at their true place.
Two insets keep the far-away islands on the map instead of stretching it:

- 沖縄県・奄美群島 (top left, in the Sea of Japan): Okinawa and Kagoshima's Amami islands.
- 小笠原諸島 (bottom right, in the Pacific): Tokyo's Ogasawara village.

A point that falls in no frame (e.g. a future data error) is clamped into the main frame.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.html import escape

from .codes import DATA_DIR

OUTLINES_JSON = DATA_DIR / "prefecture_outlines.json"
UNITS_PER_DEGREE = 60.0  # SVG user units per degree of latitude in the main frame
DOT_RADIUS = 2.4


@dataclass(frozen=True)
class Frame:
    """A geographic window drawn into a box of the SVG at its own scale."""

    key: str
    label: str
    lng_min: float
    lng_max: float
    lat_min: float
    lat_max: float
    scale: float  # SVG units per degree of latitude
    x: float  # where the window's north-west corner lands in the SVG
    y: float
    boxed: bool = True

    @property
    def kx(self) -> float:
        mid = (self.lat_min + self.lat_max) / 2
        return math.cos(math.radians(mid)) * self.scale

    @property
    def width(self) -> float:
        return (self.lng_max - self.lng_min) * self.kx

    @property
    def height(self) -> float:
        return (self.lat_max - self.lat_min) * self.scale

    def contains(self, lng: float, lat: float) -> bool:
        return self.lng_min <= lng <= self.lng_max and self.lat_min <= lat <= self.lat_max

    def project(self, lng: float, lat: float) -> tuple[float, float]:
        return (
            self.x + (lng - self.lng_min) * self.kx,
            self.y + (self.lat_max - lat) * self.scale,
        )


MAIN = Frame("main", "", 128.5, 146.0, 29.6, 45.7, UNITS_PER_DEGREE, 0.0, 0.0, boxed=False)
INSETS = (
    Frame("okinawa", "沖縄県・奄美群島", 122.8, 131.5, 24.0, 28.8, 52.0, 8.0, 8.0),
    Frame("ogasawara", "小笠原諸島", 141.7, 142.7, 26.6, 27.6, 60.0, 700.0, 790.0),
)
WIDTH = round(MAIN.width)
HEIGHT = round(MAIN.height)
# Where a focused or hovered prefecture's name and counts appear (open sea, east of Tohoku).
CAPTION_X, CAPTION_Y = 650.0, 560.0
# Small prefectures are hard to hit, above all on a phone (東京都 is 46 × 24 units, under
# 20 × 10 CSS px at 390 px). Each gets a label in the open sea, joined to it by a line and
# part of its own link: a target of LABEL_HIT_W × LABEL_HIT_H units (about 41 × 25 CSS px
# at 390 px, 100 × 60 at 1280 px). Centres chosen so that the target covers only sea (a
# test checks that it never lies over another prefecture's land).
SMALL_PREFECTURE_LABELS: dict[str, tuple[float, float]] = {
    "13": (610.0, 670.0),  # 東京都: south-east of the Bōsō peninsula, east of the Izu islands
    "14": (445.0, 712.0),  # 神奈川県: south of Sagami Bay, west of the Izu islands
    "27": (350.0, 778.0),  # 大阪府: south of the Kii peninsula
    "37": (245.0, 778.0),  # 香川県: south of Shikoku
    "41": (62.0, 676.0),  # 佐賀県: the Genkai Sea, west of Fukuoka
    "47": (310.0, 150.0),  # 沖縄県: inside its inset, east of the main island
}
LABEL_HIT_W, LABEL_HIT_H = 100.0, 60.0
LABEL_H = 34.0
LABEL_FONT = 16.0


def project(lng: float, lat: float) -> tuple[float, float]:
    """SVG coordinates of a point: in an inset when it lies in one, else in the main frame
    (clamped to its edges)."""
    for frame in INSETS:
        if frame.contains(lng, lat):
            return frame.project(lng, lat)
    x, y = MAIN.project(lng, lat)
    return min(max(x, 2.0), WIDTH - 2.0), min(max(y, 2.0), HEIGHT - 2.0)


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _path(points: Sequence[Sequence[float]]) -> str:
    """An SVG path for one outline, rounded to whole units, repeated points dropped."""
    out: list[str] = []
    last = None
    for lng, lat in points:
        x, y = project(lng, lat)
        pt = (round(x), round(y))
        if pt == last:
            continue
        out.append(f"{pt[0]} {pt[1]}")
        last = pt
    return "M" + "L".join(out) + "Z"


def _centroid(points: Sequence[Sequence[float]]) -> tuple[float, float]:
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if not area:
        return points[0][0], points[0][1]
    return cx / (3 * area), cy / (3 * area)


@dataclass(frozen=True)
class PrefectureShape:
    code: str
    path: str
    cx: float  # projected centroid
    cy: float


def prefecture_shapes() -> dict[str, PrefectureShape]:
    """The 47 projected outlines, read from the repository's file (`coverage` keeps them
    for the life of the process)."""
    outlines = json.loads(OUTLINES_JSON.read_text(encoding="utf-8"))
    shapes = {}
    for code in sorted(outlines):
        points = outlines[code]
        lng, lat = _centroid(points)
        cx, cy = project(lng, lat)
        shapes[code] = PrefectureShape(code=code, path=_path(points), cx=cx, cy=cy)
    return shapes


@dataclass(frozen=True)
class Dot:
    code: str
    prefecture_code: str
    name: str
    x: float
    y: float


def dots_for(rows: Iterable) -> dict[str, list[Dot]]:
    """Projected dots per prefecture code for local-government rows (prefecture rows and
    rows without coordinates have no dot: the prefecture's shape stands for them)."""
    out: dict[str, list[Dot]] = {}
    for row in rows:
        if row.kind == "prefecture" or row.lat is None or row.lng is None:
            continue
        x, y = project(row.lng, row.lat)
        out.setdefault(row.prefecture_code, []).append(
            Dot(row.code, row.prefecture_code, row.name, x, y)
        )
    return out


def bucket(covered: int, total: int) -> int:
    """Colour class 0–4: none, under 25 %, under 50 %, under 75 %, 75 % and more."""
    if not covered or not total:
        return 0
    ratio = covered / total
    if ratio < 0.25:
        return 1
    if ratio < 0.5:
        return 2
    if ratio < 0.75:
        return 3
    return 4


LEGEND = (
    (0, "0%"),
    (1, "25%未満"),
    (2, "25〜50%未満"),
    (3, "50〜75%未満"),
    (4, "75%以上"),
)


def _inset_boxes() -> str:
    parts = []
    for frame in INSETS:
        parts.append(
            f'<g class="cov-inset"><rect x="{_num(frame.x - 4)}" y="{_num(frame.y - 4)}" '
            f'width="{_num(frame.width + 8)}" height="{_num(frame.height + 8)}"/>'
            f'<text x="{_num(frame.x)}" y="{_num(frame.y + frame.height + 18)}">'
            f"{escape(frame.label)}</text></g>"
        )
    return "".join(parts)


def label_box(code: str) -> tuple[float, float, float, float]:
    """The target around a small prefecture's label: x, y, width, height."""
    x, y = SMALL_PREFECTURE_LABELS[code]
    return x - LABEL_HIT_W / 2, y - LABEL_HIT_H / 2, LABEL_HIT_W, LABEL_HIT_H


def _label(code: str, name: str, shape: PrefectureShape) -> str:
    """A small prefecture's label: a line from the shape, an invisible target, a pill with
    the name. Colours are presentation attributes so that it stays right without CSS."""
    x, y = SMALL_PREFECTURE_LABELS[code]
    hx, hy, hw, hh = label_box(code)
    width = LABEL_FONT * len(name) + 18
    return (
        f'<g class="cov-label" aria-hidden="true">'
        f'<line x1="{_num(shape.cx)}" y1="{_num(shape.cy)}" x2="{_num(x)}" y2="{_num(y)}" '
        f'stroke="#767676" stroke-width="1"/>'
        f'<rect class="cov-label__hit" x="{_num(hx)}" y="{_num(hy)}" width="{_num(hw)}" '
        f'height="{_num(hh)}" fill="#000" fill-opacity="0"/>'
        f'<rect class="cov-label__pill" x="{_num(x - width / 2)}" y="{_num(y - LABEL_H / 2)}" '
        f'width="{_num(width)}" height="{_num(LABEL_H)}" rx="{_num(LABEL_H / 2)}" '
        f'fill="#fff" stroke="#767676"/>'
        f'<text x="{_num(x)}" y="{_num(y + LABEL_FONT * 0.36)}" text-anchor="middle">'
        f"{escape(name)}</text></g>"
    )


def render(
    *,
    prefectures: Sequence,
    shapes: dict[str, PrefectureShape],
    dots: dict[str, list[Dot]],
    covered: frozenset[str] | set[str],
    link: str | None,
    interactive: bool,
    title: str,
    desc: str,
    id_prefix: str = "cov-map",
) -> str:
    """The whole SVG. `prefectures` are objects with code, name, covered, total and
    percent; `link` is the page URL the prefecture links filter (None: no links)."""
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    role = 'role="group"' if interactive else 'role="img"'
    out = [
        f'<svg class="cov-map" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet" {role} '
        f'aria-labelledby="{title_id}" aria-describedby="{desc_id}" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{title_id}">{escape(title)}</title>'
        f'<desc id="{desc_id}">{escape(desc)}</desc>',
        _inset_boxes(),
    ]
    for pref in prefectures:
        shape = shapes.get(pref.code)
        if shape is None:
            continue
        label = f"{pref.name}：参加 {pref.covered} / {pref.total} 団体（{pref.percent}%）"
        cls = f"q{bucket(pref.covered, pref.total)}"
        if link:
            href = f"{link}?prefecture={pref.code}"
            attrs = f'href="{href}" aria-label="{escape(label)}"'
            if interactive:
                attrs += f' hx-get="{href}"'
            out.append(f'<a class="cov-pref {cls}" data-pref="{pref.code}" {attrs}>')
        else:
            out.append(f'<g class="cov-pref {cls}" data-pref="{pref.code}">')
        out.append(f'<path d="{shape.path}"><title>{escape(label)}</title></path>')
        pref_dots = dots.get(pref.code, ())
        if pref_dots:
            out.append('<g class="cov-dots" aria-hidden="true">')
            for dot in pref_dots:
                yes = dot.code in covered
                out.append(
                    f'<circle cx="{_num(dot.x)}" cy="{_num(dot.y)}" r="{DOT_RADIUS}" '
                    f'class="{"y" if yes else "n"}"><title>{escape(dot.name)}：'
                    f"{'参加者あり' if yes else '参加者なし'}</title></circle>"
                )
            out.append("</g>")
        if link and pref.code in SMALL_PREFECTURE_LABELS:
            out.append(_label(pref.code, pref.name, shape))
        if link:
            # Shown on hover and keyboard focus, always at the same spot in the open sea so
            # no neighbouring prefecture can paint over it.
            out.append(
                f'<g class="cov-caption" aria-hidden="true">'
                f'<rect x="{_num(CAPTION_X - 8)}" y="{_num(CAPTION_Y - 26)}" '
                f'width="190" height="62" rx="6"/>'
                f'<text x="{_num(CAPTION_X)}" y="{_num(CAPTION_Y)}" class="cov-caption__name">'
                f"{escape(pref.name)}</text>"
                f'<text x="{_num(CAPTION_X)}" y="{_num(CAPTION_Y + 26)}">'
                f"{pref.covered} / {pref.total} 団体（{pref.percent}%）</text></g></a>"
            )
        else:
            out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def coverage_map(
    *,
    prefectures: Sequence,
    rows: Iterable,
    covered: frozenset[str] | set[str],
    shapes: dict[str, PrefectureShape],
    link: str | None,
    interactive: bool,
    id_prefix: str = "cov-map",
) -> str:
    """The coverage map: `prefectures` with their counts, `rows` the current local
    governments (for the dots), `covered` the codes with members."""
    covered_count = sum(p.covered for p in prefectures)
    total = sum(p.total for p in prefectures)
    percent = round(covered_count * 100 / total, 1) if total else 0.0
    return render(
        prefectures=prefectures,
        shapes=shapes,
        dots=dots_for(rows),
        covered=covered,
        link=link,
        interactive=interactive,
        title="参加自治体の地図",
        desc=(
            f"都道府県ごとの参加率で色分けした日本地図。参加自治体 {covered_count:,} / "
            f"{total:,}（{percent}%）。点は市区町村で、塗りつぶしの点は参加者がいる"
            "自治体、白い点はまだいない自治体です。沖縄県・奄美群島と小笠原諸島は枠内に"
            "縮尺を変えて表示しています。同じ内容を下の表でも確認できます。"
        ),
        id_prefix=id_prefix,
    )
