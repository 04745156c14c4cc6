"""The map's geometry: everything lands inside the picture, islands in their insets."""

from __future__ import annotations

import pytest

from municipalities import coverage, svgmap
from municipalities.selectors import coverage_data

pytestmark = pytest.mark.django_db


def frame_of(x: float, y: float) -> str:
    for frame in svgmap.INSETS:
        if frame.x <= x <= frame.x + frame.width and frame.y <= y <= frame.y + frame.height:
            return frame.key
    return "main"


@pytest.fixture
def dots():
    rows = coverage.rows(coverage_data())
    return {dot.code: dot for dots in svgmap.dots_for(rows).values() for dot in dots}


def test_one_dot_per_municipality_all_inside_the_viewbox(dots):
    assert len(dots) == 1788 - 47
    for dot in dots.values():
        assert 0 <= dot.x <= svgmap.WIDTH and 0 <= dot.y <= svgmap.HEIGHT, dot


def test_okinawa_and_amami_are_in_the_okinawa_inset(dots):
    okinawa = [d for d in dots.values() if d.prefecture_code == "47"]
    assert len(okinawa) == 41
    assert {frame_of(d.x, d.y) for d in okinawa} == {"okinawa"}
    assert frame_of(dots["462225"].x, dots["462225"].y) == "okinawa"  # 奄美市
    assert frame_of(dots["462012"].x, dots["462012"].y) == "main"  # 鹿児島市


def test_ogasawara_has_its_own_inset_and_the_izu_islands_stay_in_place(dots):
    assert frame_of(dots["134210"].x, dots["134210"].y) == "ogasawara"  # 小笠原村
    hachijo, chiyoda = dots["134015"], dots["131016"]  # 八丈町, 千代田区
    assert frame_of(hachijo.x, hachijo.y) == "main"
    assert hachijo.y > chiyoda.y + 100  # well south of Tokyo, not clamped onto it


def test_the_inset_boxes_do_not_overlap_any_prefecture_of_the_main_frame():
    shapes = svgmap.prefecture_shapes()
    for code, shape in shapes.items():
        if code == "47":
            continue
        for point in shape.path[1:-1].split("L"):
            x, y = (float(v) for v in point.split())
            assert frame_of(x, y) == "main", (code, x, y)


def test_outlines_are_projected_once_per_process(monkeypatch):
    coverage.map_svg(coverage_data(), link=None, interactive=False)
    monkeypatch.setattr(svgmap, "prefecture_shapes", lambda: pytest.fail("projected again"))
    coverage.forget()  # forgets the numbers and maps, not the geometry
    assert 'role="img"' in coverage.map_svg(coverage_data(), link=None, interactive=False)


def test_colour_buckets():
    assert svgmap.bucket(0, 10) == 0
    assert svgmap.bucket(1, 10) == 1
    assert svgmap.bucket(3, 10) == 2
    assert svgmap.bucket(5, 10) == 3
    assert svgmap.bucket(8, 10) == 4
    assert svgmap.bucket(0, 0) == 0


def test_the_rendered_map_is_reused_for_the_same_data_version():
    data = coverage_data()
    first = coverage.map_svg(data, link="/coverage/", interactive=True)
    assert coverage.map_svg(data, link="/coverage/", interactive=True) is first
    embed = coverage.map_svg(data, link=None, interactive=False, id_prefix="cov-embed")
    assert 'role="img"' in embed and "<a " not in embed
    assert 'role="group"' in first and first.count("<a ") == 47


def test_the_renderer_keeps_nothing_and_imports_no_selector():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(svgmap))
    imported = {
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert not any("selectors" in name or "coverage" in name for name in imported), imported
    module_state = [
        name
        for name, value in vars(svgmap).items()
        if isinstance(value, dict | list | set)
        and not name.isupper()  # constants are fine
        and not name.startswith("__")
    ]
    assert module_state == [], module_state


def _overlap(a, b) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def test_small_prefectures_get_a_label_target_inside_their_own_link():
    data = coverage_data()
    svg = coverage.map_svg(data, link="/coverage/", interactive=True)
    for code in svgmap.SMALL_PREFECTURE_LABELS:
        link = svg.split(f'data-pref="{code}"', 1)[1].split("</a>", 1)[0]
        assert 'class="cov-label"' in link and 'class="cov-label__hit"' in link, code
    assert svg.count('class="cov-label"') == len(svgmap.SMALL_PREFECTURE_LABELS)
    assert {"13", "14", "27", "37", "41"} <= set(svgmap.SMALL_PREFECTURE_LABELS)
    # The embed has no links, so no targets.
    embed = coverage.map_svg(data, link=None, interactive=False, id_prefix="cov-embed")
    assert "cov-label" not in embed


def test_label_targets_stay_in_the_picture_apart_and_clear_of_the_caption():
    boxes = {code: svgmap.label_box(code) for code in svgmap.SMALL_PREFECTURE_LABELS}
    caption = (svgmap.CAPTION_X - 8, svgmap.CAPTION_Y - 26, 190, 62)
    for code, (x, y, w, h) in boxes.items():
        assert 0 <= x and x + w <= svgmap.WIDTH and 0 <= y and y + h <= svgmap.HEIGHT, code
        assert not _overlap((x, y, w, h), caption), code
        frames = {frame_of(x, y), frame_of(x + w, y + h)}
        assert frames == ({"okinawa"} if code == "47" else {"main"}), (code, frames)
        for other, box in boxes.items():
            assert other == code or not _overlap((x, y, w, h), box), (code, other)
