"""core.markup: Markdown in, safe HTML out."""

import re

import pytest

from core import markup

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](vbscript:msgbox(1))",
    '[x](https://a.example/" onmouseover="alert(1))',
    "<a href='javascript:alert(1)'>x</a>",
    "<svg onload=alert(1)>",
    "<iframe src=//evil.example></iframe>",
    "`<b>`\n\n```\n<script>\n```",
    "<details open ontoggle=alert(1)>",
    "![x](javascript:alert(1))",
    "&lt;script&gt;",
    '"><script>alert(1)</script>',
    "<style>body{display:none}</style>",
]


ALLOWED_TAG = re.compile(
    r"^</?(p|br|strong|em|del|s|code|pre|blockquote|ul|ol|li|a|h[3-6]|hr|table|thead|tbody|tr"
    r"|th|td|span)\b"
)


@pytest.mark.parametrize("payload", XSS)
def test_no_markup_gets_through(payload):
    """Whatever the payload, the output's tags are on the allow-list, carry no event
    handler, and link only to http(s), mailto or a path (the payload's text may show,
    escaped)."""
    html = markup.render(payload)
    for tag in re.findall(r"<[^>]*>", html):
        assert ALLOWED_TAG.match(tag), (tag, html)
        assert not re.search(r"\son\w+\s*=", tag), (tag, html)
        for href in re.findall(r'href="([^"]*)"', tag):
            assert re.match(r"^(https?:|mailto:|/|#)", href), (href, html)


def test_raw_html_is_escaped_not_passed_through():
    assert markup.render("<b>太字</b>") == "<p>&lt;b&gt;太字&lt;/b&gt;</p>\n"


def test_links_are_auto_linked_and_outside_links_get_rel():
    html = markup.render("詳しくは https://www.city.example.lg.jp/a/b.html をご覧ください")
    assert '<a href="https://www.city.example.lg.jp/a/b.html" rel="nofollow noopener ugc">' in html
    inside = markup.render("[課のページ](/sections/houki/)")
    assert inside == '<p><a href="/sections/houki/">課のページ</a></p>\n'


def test_japanese_after_a_url_is_not_part_of_the_link():
    html = markup.render("https://example.jp/pathです。")
    assert (
        '<a href="https://example.jp/path" rel="nofollow noopener ugc">https://example.jp/path</a>です。'
        in html
    )


def test_no_remote_images_an_image_is_a_link():
    html = markup.render("![接種会場の写真](https://evil.example/track.png)")
    assert "<img" not in html
    assert (
        '<a href="https://evil.example/track.png" rel="nofollow noopener ugc">接種会場の写真</a>'
        in html
    )
    assert "<img" not in markup.render("![x](data:image/png;base64,AAAA)")


def test_public_rendering_drops_links_into_the_site():
    html = markup.render("[名簿](/members/1/) と [外](https://e.example/)", internal_links=False)
    assert "/members/1/" not in html and "名簿" in html
    assert 'href="https://e.example/"' in html


def test_headings_move_under_the_page_headings():
    assert markup.render("# 見出し").startswith("<h3>")


def test_excerpt_is_plain_text():
    assert (
        markup.excerpt("**太字** <b>x</b>\n\n[link](http://a.example)", 100) == "太字 <b>x</b> link"
    )
    assert markup.excerpt("あ" * 50, 10) == "あ" * 9 + "…"
