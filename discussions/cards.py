"""A post's card (its header, quote, body and files) is the same for every reader, so it is
rendered once and kept in the cache under a key made of everything it shows: a change of
the post, its author's name or affiliation, the quoted post, its files or the answer mark
gives a new key, and nothing has to be invalidated. The per-reader controls (edit, delete,
mark as answer) are rendered around it on every request. The cache is an optimisation: if
it is down, the cards are rendered each time."""

from __future__ import annotations

import hashlib
import logging

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from . import selectors
from .models import Post, Topic

logger = logging.getLogger(__name__)
SECONDS = 3600  # a stale card (an old name after 退庁, say) is gone within the hour
VERSION = 1


def _files(post: Post) -> list:
    files = getattr(post, "files", None)
    return files if files is not None else list(post.attachments.order_by("id"))


def _key(post: Post, topic: Topic, viewer) -> tuple[str, bool]:
    quote = post.quote
    quote_hidden = bool(
        quote is not None and quote.hidden_at is not None and quote.author_id != viewer.pk
    )
    files = tuple((f.pk, f.original_name, f.size, f.kind) for f in _files(post))
    parts = (
        VERSION, topic.pk, topic.section.slug, post.pk, post.number, post.created_at,
        post.edited_at, post.deleted_at, post.hidden_reason if post.hidden_at else None,
        topic.answer_id == post.pk, selectors.author_label(post.author),
        selectors.author_place(post.author), files,
        (quote.pk, quote.number, quote.edited_at, quote.deleted_at, quote_hidden,
         selectors.author_label(quote.author)) if quote else None,
    )  # fmt: skip
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:40]
    return f"discussions:post-card:{digest}", quote_hidden


def attach(posts: list[Post], *, topic: Topic, viewer) -> None:
    """Give each post `card_html` (safe HTML), from the cache or freshly rendered."""
    if not posts:
        return
    keys = {post.pk: _key(post, topic, viewer) for post in posts}
    try:
        found = cache.get_many([key for key, _ in keys.values()])
    except Exception:  # the cache is down: render them all
        logger.warning("discussions: cache unavailable, rendering post cards")
        found = {}
    fresh = {}
    for post in posts:
        key, quote_hidden = keys[post.pk]
        html = found.get(key)
        if html is None:
            html = render_to_string(
                "discussions/_post_card.html",
                {
                    "post": post,
                    "topic": topic,
                    "section": topic.section,
                    "files": _files(post),
                    "quote_hidden": quote_hidden,
                },
            )
            fresh[key] = str(html)
        post.card_html = mark_safe(html)  # type: ignore[attr-defined]  # set here for the template
    if fresh:
        try:
            cache.set_many(fresh, SECONDS)
        except Exception:
            pass
