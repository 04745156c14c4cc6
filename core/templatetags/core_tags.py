"""Template tags that ask core.plugins registries (lower apps' templates use them to link
to what higher apps register, without naming those apps)."""

from django import template

from core import plugins

register = template.Library()


@register.simple_tag
def report_url(kind: str, pk) -> str:
    """The path where a member reports this post or profile ("" when nobody registered)."""
    return plugins.report_url(kind, int(pk)) if pk else ""
