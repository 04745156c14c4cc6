"""Normalisation, tokens, queries and snippets for Japanese search (pure Python, no query).

One normalisation for documents and queries: NFKC (全角/半角: ｺﾛﾅ → コロナ, ＤＸ → DX),
case folding, and katakana folded to hiragana (ワクチン and わくちん are the same word).

Tokens, separated by spaces (what FTS5's unicode61 and PostgreSQL's 'simple' parser both
split identically):
- a run of kana and kanji gives its overlapping bigrams plus its last character
  (接種予約 → 接種 種予 予約 約), so every character starts exactly one token;
- a run of other letters and digits (Latin, digits, …) gives one whole word (cut at
  WORD_MAX characters).

A query term becomes a phrase of tokens:
- a kana/kanji run of two or more characters: its bigrams (the phrase 接種 種予 予約);
- one kana/kanji character, or a Latin/digit word at the end of the term: a prefix
  token (税 → 税*, which is every occurrence of 税 whatever follows it).
So a term of kana/kanji matches wherever it occurs as a substring, and a Latin/digit
term matches words that begin with it (dx finds DX推進, covid finds COVID-19). Terms
separated by spaces are ANDed; "…" or 「…」 is one phrase term.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WORD_MAX = 64  # a longer Latin/digit word is cut (PostgreSQL skips words over 2,047 bytes)
# Characters of a body that are searchable (tsvector positions stop at 16,383).
TEXT_MAX = 16_000
QUERY_MAX = 200  # characters of a query
TERMS_MAX = 8

_CJK_RANGES = (
    (0x3041, 0x3096),  # hiragana
    (0x309D, 0x309F),  # ゝゞゟ
    (0x30A1, 0x30FA),  # katakana
    (0x30FC, 0x30FF),  # ー ヽ ヾ ヿ
    (0x31F0, 0x31FF),  # small katakana (Ainu)
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0x20000, 0x3FFFF),  # extensions B-H
)
_CJK_EXTRA = set("々〆〇")


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    if ch in _CJK_EXTRA:
        return True
    return any(lo <= o <= hi for lo, hi in _CJK_RANGES)


def _fold_char(ch: str) -> str:
    """Case fold and katakana → hiragana for one (already NFKC) character."""
    o = ord(ch)
    if 0x30A1 <= o <= 0x30F6 or 0x30FD <= o <= 0x30FE:
        return chr(o - 0x60)
    return ch.casefold()


# katakana → hiragana as one str.translate (what _fold_char does to each character).
_KANA = {o: o - 0x60 for o in range(0x30A1, 0x30F7)} | {0x30FD: 0x309D, 0x30FE: 0x309E}


def normalize(value: str) -> str:
    """NFKC, case fold, katakana → hiragana. The same for documents and queries.
    (`str.casefold` folds each character on its own, so this equals `_fold_char` applied
    character by character, at C speed.)"""
    return unicodedata.normalize("NFKC", value or "").translate(_KANA).casefold()


def display(value: str) -> str:
    """What a document stores for display and snippets: NFKC only (no folding), so that
    `normalize(display(x)) == normalize(x)` and positions map one character to one."""
    return unicodedata.normalize("NFKC", value or "")


def _class(ch: str) -> str:
    if is_cjk(ch):
        return "c"
    if ch.isalnum():
        return "w"
    return ""


def runs(normalized: str) -> list[tuple[str, str]]:
    """[(class, text)] of the runs of kana/kanji ("c") and other letters/digits ("w")."""
    out: list[tuple[str, str]] = []
    current, start = "", 0
    for i, ch in enumerate(normalized + " "):
        cls = _class(ch) if i < len(normalized) else ""
        if cls != current:
            if current:
                out.append((current, normalized[start:i]))
            current, start = cls, i
    return out


def _run_tokens(cls: str, run: str) -> list[str]:
    if cls == "w":
        return [run[:WORD_MAX]]
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


def tokens(value: str) -> list[str]:
    """The tokens of a text (normalised here)."""
    out: list[str] = []
    for cls, run in runs(normalize(value)):
        out.extend(_run_tokens(cls, run))
    return out


def document_tokens(title: str, body: str) -> str:
    return " ".join(tokens(title) + tokens(body))


# --- Queries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One ANDed term: a phrase of tokens whose last one may be a prefix."""

    text: str  # normalised, as typed (for highlighting and the reference scan)
    tokens: tuple[str, ...]
    prefix: bool

    @property
    def needles(self) -> list[tuple[str, str]]:
        """(class, run) of the term, for highlighting."""
        return runs(self.text)


def term_of(normalized: str) -> Term | None:
    parts = runs(normalized)
    if not parts:
        return None
    out: list[str] = []
    prefix = False
    for i, (cls, run) in enumerate(parts):
        last = i == len(parts) - 1
        if cls == "w":
            out.append(run[:WORD_MAX])
            prefix = last
        elif len(run) == 1:
            out.append(run)
            prefix = last
        elif last:
            out.extend(run[j : j + 2] for j in range(len(run) - 1))
        else:
            out.extend(_run_tokens(cls, run))
    return Term(normalized.strip(), tuple(out), prefix)


_PIECE = re.compile(r'"([^"]*)"?|「([^」]*)」?|(\S+)')


def parse(query: str) -> list[Term]:
    """The terms of a query: spaces separate ANDed terms; "…" and 「…」 are phrases."""
    query = unicodedata.normalize("NFKC", query or "")[:QUERY_MAX]
    terms: list[Term] = []
    for match in _PIECE.finditer(query):
        piece = next(g for g in match.groups() if g is not None)
        term = term_of(normalize(piece))
        if term is not None and term not in terms:
            terms.append(term)
    return terms[:TERMS_MAX]


def similar_tokens(title: str, limit: int = 24) -> list[str]:
    """The distinct tokens of a title (bigrams and words, no single characters) for an
    OR query of 似た質問."""
    seen: list[str] = []
    for token in tokens(title):
        if len(token) < 2 and not token.isascii():
            continue
        if token not in seen:
            seen.append(token)
    return seen[:limit]


# --- The reference scan (tests) -----------------------------------------------------------


def term_in(term: Term, normalized_text: str) -> bool:
    """Does a plain scan of the text find the term? Kana/kanji anywhere; a term beginning
    with a Latin letter or digit only at the start of a word. Every document for which
    this holds must be found by the index (recall 1.00)."""
    start = 0
    needle = term.text
    while True:
        at = normalized_text.find(needle, start)
        if at < 0:
            return False
        if _class(needle[0]) != "w" or at == 0 or _class(normalized_text[at - 1]) != "w":
            return True
        start = at + 1


# --- Snippets -----------------------------------------------------------------------------

SNIPPET_CHARS = 120


def _spans(folded: str, terms: list[Term]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for term in terms:
        for cls, run in term.needles:
            start = 0
            while True:
                at = folded.find(run, start)
                if at < 0:
                    break
                if cls != "w" or at == 0 or _class(folded[at - 1]) != "w":
                    end = at + len(run)
                    if cls == "w":  # the whole word that begins with it
                        while end < len(folded) and _class(folded[end]) == "w":
                            end += 1
                    spans.append((at, end))
                start = at + 1
    spans.sort()
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _fold_same_length(value: str) -> str:
    """`normalize` for text already in NFKC, keeping one character per character (a
    character whose case folding is longer keeps its lower-case form)."""
    shifted = value.translate(_KANA)
    folded = shifted.casefold()
    if len(folded) == len(shifted):  # no character grew (case folding never shrinks one)
        return folded
    out = []
    for ch in value:
        folded = _fold_char(ch)
        out.append(folded if len(folded) == 1 else ch.lower()[:1] or ch)
    return "".join(out)


def highlight(value: str, terms: list[Term]) -> SafeString:
    """The whole (short) text with the terms marked."""
    return _marked(value, _spans(_fold_same_length(value), terms), 0, len(value))


def snippet(value: str, terms: list[Term], size: int = SNIPPET_CHARS) -> SafeString:
    """About `size` characters of `value` around the first match, matches in <mark>,
    escaped. Without a match, the beginning."""
    value = " ".join(value.split())
    folded = _fold_same_length(value)
    spans = _spans(folded, terms)
    if spans:
        first = spans[0][0]
        start = max(0, first - size // 3)
    else:
        start = 0
    end = min(len(value), start + size)
    start = max(0, min(start, end - size))
    return _marked(value, spans, start, end)


def _marked(value: str, spans: list[tuple[int, int]], start: int, end: int) -> SafeString:
    parts = ["…" if start > 0 else ""]
    at = start
    for a, b in spans:
        if b <= start or a >= end:
            continue
        a, b = max(a, start), min(b, end)
        parts.append(escape(value[at:a]))
        parts.append(f"<mark>{escape(value[a:b])}</mark>")
        at = b
    parts.append(escape(value[at:end]))
    if end < len(value):
        parts.append("…")
    return mark_safe("".join(parts))
