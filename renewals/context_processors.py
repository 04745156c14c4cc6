from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from . import selectors


def banner(request: HttpRequest) -> dict[str, Any]:
    """The 年度更新 banner on every page of a member who is asked to confirm (one query,
    shared with the write guard and the home panel through `selectors.current_renewal`)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path.startswith("/admin/"):
        return {}
    return {"renewal_banner": selectors.banner(user)}
