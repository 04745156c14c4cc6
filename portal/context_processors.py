from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from core import plugins


def site(request: HttpRequest) -> dict[str, Any]:
    """The site's name and URL everywhere; the member navigation for members."""
    context: dict[str, Any] = {"SITE_NAME": "横糸", "SITE_URL": settings.SITE_URL}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_member:
        context["member_nav"] = [
            {"url": reverse(item.url_name), "label": item.label} for item in plugins.nav_items()
        ]
    return context
