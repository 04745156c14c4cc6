from django import template

from core.jst import JST

register = template.Library()


@register.filter
def search_date(value, style: str = "") -> str:
    """A result's date in JST: 2026年12月2日 (iso for `datetime=""`)."""
    if not value:
        return ""
    local = value.astimezone(JST)
    if style == "iso":
        return local.isoformat()
    return f"{local.year}年{local.month}月{local.day}日"
