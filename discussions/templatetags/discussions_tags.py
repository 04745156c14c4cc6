from django import template

from core import markup

from .. import selectors

register = template.Library()


@register.filter
def author_name(user) -> str:
    """The author as posts name them (「退庁した会員」 after withdrawal)."""
    return selectors.author_label(user)


@register.filter
def author_place(user) -> str:
    return selectors.author_place(user)


@register.filter
def excerpt(body: str, length: int = 120) -> str:
    return markup.excerpt(body, int(length))


@register.filter
def filesize(size) -> str:
    size = int(size or 0)
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} バイト"
