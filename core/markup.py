"""Members' Markdown, rendered safely: the one renderer for user content.

1. markdown-it-py with its `js-default` preset: raw HTML is escaped, never passed
   through; bare URLs are auto-linked (linkify); a single newline is a line break
   (Japanese is written line by line).
2. A pass over the tokens: links to other hosts get `rel="nofollow noopener ugc"`;
   images never become `<img>` (many municipal networks block outside hosts, and a remote
   image tells its host who read the page): `![説明](URL)` renders as a link to the URL;
   headings move down two levels (a post's `#` is an `<h3>`, under the page's own
   headings); with `internal_links=False` (pages the public sees) links into this site
   become plain text.
3. nh3 (ammonia) sanitises the result again with an allow-list of tags and attributes,
   so a bug in step 1 or 2 still cannot let markup through.

`render()` returns a string that is safe to mark safe; `excerpt()` gives plain text
(for quotes, mails, snippets), to be escaped where it is shown.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from urllib.parse import urlsplit

import nh3
from django.conf import settings
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

REL = "nofollow noopener ugc"
TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "span",
}  # fmt: skip
# Attributes whose value must be one of a fixed set (anything else is dropped).
FIXED_VALUES = {"a": {"rel": {REL}}, "span": {"class": {"mention"}}}
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


def _site_host() -> str:
    return urlsplit(getattr(settings, "SITE_URL", "")).netloc.lower()


def is_internal(href: str) -> bool:
    """A link into this site: relative, a fragment, or absolute on SITE_URL's host."""
    parts = urlsplit(href)
    if not parts.scheme and not parts.netloc:
        return True
    return parts.scheme in ("http", "https") and parts.netloc.lower() == _site_host()


def _links_rule(state: StateCore) -> None:
    internal_links = state.env.get("internal_links", True)
    for block in state.tokens:
        if block.type == "heading_open":
            level = min(6, int(block.tag[1]) + 2)
            block.tag = f"h{level}"
        elif block.type == "heading_close":
            block.tag = f"h{min(6, int(block.tag[1]) + 2)}"
        if block.type != "inline" or not block.children:
            continue
        out: list[Token] = []
        dropping = False
        for token in _trim_autolinks(state, block.children):
            if token.type == "image":
                # An image becomes a link to its URL (or its text when the URL is bad).
                src = str(token.attrGet("src") or "")
                text = Token("text", "", 0)
                text.content = token.content or "画像"
                if urlsplit(src).scheme in ("", "http", "https") and src:
                    opening = Token("link_open", "a", 1)
                    opening.attrSet("href", src)
                    tokens = [opening, text, Token("link_close", "a", -1)]
                else:
                    tokens = [text]
            else:
                tokens = [token]
            for tok in tokens:
                if tok.type == "link_open":
                    href = str(tok.attrGet("href") or "")
                    if is_internal(href):
                        if not internal_links:
                            dropping = True
                            continue
                    else:
                        tok.attrSet("rel", REL)
                elif tok.type == "link_close" and dropping:
                    dropping = False
                    continue
                out.append(tok)
        block.children = out


# Japanese runs straight on after a URL ("https://example.jp/です。"): an auto-link ends
# at the first character outside ASCII.
_NON_ASCII = re.compile(r"[^\x21-\x7e]")


def _trim_autolinks(state: StateCore, tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        is_auto = token.type == "link_open" and token.markup == "linkify"
        if is_auto and index + 2 < len(tokens) and tokens[index + 1].type == "text":
            text, closing = tokens[index + 1], tokens[index + 2]
            cut = _NON_ASCII.search(text.content)
            if cut is not None and cut.start() > 0:
                head, tail = text.content[: cut.start()], text.content[cut.start() :]
                href = head if "://" in head or head.startswith("mailto:") else "http://" + head
                token.attrSet("href", state.md.normalizeLink(href))
                text.content = head
                rest = Token("text", "", 0)
                rest.content = tail
                out.extend([token, text, closing, rest])
                index += 3
                continue
            if cut is not None:  # nothing ASCII to link
                out.append(text)
                index += 3
                continue
        out.append(token)
        index += 1
    return out


def _parser() -> MarkdownIt:
    md = MarkdownIt("js-default", {"linkify": True, "breaks": True, "html": False})
    md.core.ruler.push("yokoito_links", _links_rule)
    return md


_md = _parser()


def _sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        tag_attribute_values=FIXED_VALUES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


def render(
    text: str,
    *,
    internal_links: bool = True,
    transform: Callable[[str], str] | None = None,
) -> str:
    """Markdown → sanitised HTML. `transform` may rewrite the HTML between rendering and
    sanitising (e.g. to mark mentions); whatever it adds must pass the allow-list."""
    html = _md.render(text or "", {"internal_links": internal_links})
    if transform is not None:
        html = transform(html)
    return _sanitise(html)


_SPACE = re.compile(r"\s+")


def excerpt(text: str, length: int = 120) -> str:
    """Plain text of a Markdown body (no markup, whitespace collapsed), at most `length`
    characters with an ellipsis. Not escaped: the template escapes it."""
    html = _md.render(text or "", {"internal_links": True})
    plain = html_lib.unescape(nh3.clean(html, tags=set()))
    plain = _SPACE.sub(" ", plain).strip()
    if len(plain) > length:
        return plain[: length - 1].rstrip() + "…"
    return plain
