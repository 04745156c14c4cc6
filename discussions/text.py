"""Text helpers of discussions: tags, mentions, rendering (no database access)."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable

from core import markup

from .models import TAG_MAX, TAGS_MAX

# @[氏名]: brackets, because Japanese has no spaces to end a name with.
MENTION_RE = re.compile(r"@\[([^\[\]\n]{1,60})\]")
MENTIONS_MAX = 20
_TAG_SPLIT = re.compile(r"[,、，;；\s]+")
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class TagError(ValueError):
    pass


def normalise_tag(raw: str) -> str:
    tag = unicodedata.normalize("NFKC", raw)
    tag = _CONTROL.sub("", tag)
    tag = _SPACES.sub(" ", tag).strip().lstrip("#＃").strip()
    return tag


def parse_tags(value: str | Iterable[str]) -> list[str]:
    """Tags from free input (comma, 読点 or space separated, or a list): NFKC, trimmed,
    deduplicated (case-insensitively), in the order given. Raises TagError (Japanese)."""
    items = _TAG_SPLIT.split(value) if isinstance(value, str) else list(value)
    tags: list[str] = []
    seen: set[str] = set()
    for item in items:
        tag = normalise_tag(str(item))
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            raise TagError(f"タグは1つ{TAG_MAX}文字までです（「{tag[:TAG_MAX]}…」）。")
        key = tag.casefold()
        if key in seen:
            continue
        seen.add(key)
        tags.append(tag)
    if len(tags) > TAGS_MAX:
        raise TagError(f"タグは{TAGS_MAX}個までです（{len(tags)}個あります）。")
    return tags


def compact_name(name: str) -> str:
    """A name as compared for mentions: NFKC, no spaces."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", name or ""))


def mentions_in(body: str) -> list[str]:
    """The names written as @[氏名], each once, in order."""
    found: list[str] = []
    for match in MENTION_RE.finditer(body or ""):
        name = match.group(1).strip()
        if name and name not in found:
            found.append(name)
    return found


def render_body(body: str, *, mentioned: Iterable[str] = (), public: bool = False) -> str:
    """A post's HTML: Markdown through core.markup, with the resolved mentions marked.
    `public` (参考Q&A) drops links into the site."""
    names = {html.escape(name, quote=False) for name in mentioned}

    def mark(rendered: str) -> str:
        if not names:
            return rendered

        def replace(match: re.Match) -> str:
            inner = match.group(1).strip()
            if inner in names:
                return f'<span class="mention">@{inner}</span>'
            return match.group(0)

        return re.sub(r"@\[([^\[\]<>\n]{1,120})\]", replace, rendered)

    return markup.render(body, internal_links=not public, transform=mark)


def strip_mentions(body: str) -> str:
    """A body without @[氏名] (names never go into a 参考Q&A entry)."""
    return re.sub(r"[ \t]{2,}", " ", MENTION_RE.sub("", body or "")).strip()


def scrub(text: str, needles: Iterable[str], replacement: str) -> str:
    for needle in sorted({n for n in needles if n and len(n) >= 2}, key=len, reverse=True):
        text = text.replace(needle, replacement)
    return text
