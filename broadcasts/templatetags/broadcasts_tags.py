from django import template
from django.utils import timezone

from broadcasts import selectors

register = template.Library()


@register.inclusion_tag("broadcasts/_home_tonight.html")
def tonight_panel():
    """The member home panel: the episode on air now, or the next one."""
    data = selectors.tonight(now=timezone.now(), later=0)
    return {"episode": data.on_air or data.next, "on_air": data.on_air is not None}
