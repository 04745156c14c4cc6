"""Where to send someone back to after a form post (`next`)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, target: str | None, fallback: str) -> str:
    """`target` when it is a path on this site, else `fallback`.

    Only a path that starts with "/" is kept: `url_has_allowed_host_and_scheme` also accepts
    a bare word such as "abc", which `redirect()` would then try to reverse as a view name
    (a 500), and another host or scheme is an open redirect.
    """
    target = target or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
