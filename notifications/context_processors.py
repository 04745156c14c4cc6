"""The bell in the member header: its unread count costs one query, and only on pages
that render it (the value is lazy)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .selectors import unread_count


def bell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_member:
        return {}
    cached: dict[str, int] = {}

    def count() -> int:
        if "n" not in cached:
            cached["n"] = unread_count(user)
        return cached["n"]

    return {"notifications_unread": _Lazy(count)}


class _Lazy:
    """Evaluated once, when the template first asks."""

    def __init__(self, fn) -> None:
        self._fn = fn

    @property
    def count(self) -> int:
        return self._fn()

    @property
    def label(self) -> str:
        n = self._fn()
        return "99+" if n > 99 else str(n)
