from django import template

from core import markup
from core.jst import JST

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


@register.filter
def jst(value, style: str = "short") -> str:
    """A time in JST, cheaply (the busiest lists show one per row): short "12月2日 19:00",
    long "2026年12月2日 19:00", iso for `datetime=""`."""
    if not value:
        return ""
    local = value.astimezone(JST)
    if style == "iso":
        return local.isoformat()
    if style == "long":
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    return f"{local.month}月{local.day}日 {local:%H:%M}"
