"""A fast path for the public coverage outputs (the page that gets the traffic).

The first anonymous GET of a coverage URL goes through the whole stack as usual; its
complete response (body and headers, after every inner middleware) is kept in this
process by `municipalities.coverage` under `coverage.response_key()` (data version and
variant). Later anonymous GETs of the same variant are answered from that copy right after
WhiteNoise, without the session, CSRF, auth, message, htmx, allauth and access-policy
middlewares, which would all do nothing for them: no session cookie means no user, no
messages and no CSRF token (the stored pages carry none). Conditional GETs get their 304
here too. A new data version (an invalidation, or the numbers changing) makes new keys, so
nothing stale is served; requests with a session cookie, HEAD, searches and bad queries
always take the normal path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

from . import coverage


class CoverageFastPathMiddleware:
    """Place right after WhiteNoiseMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self._paths: dict[str, str] | None = None

    def paths(self) -> dict[str, str]:
        if self._paths is None:
            self._paths = {
                reverse("coverage"): "page",
                reverse("coverage_embed"): "embed",
                reverse("coverage_json"): "json",
                reverse("coverage_csv"): "csv",
            }
        return self._paths

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = self.paths().get(request.path_info)
        if (
            view is None
            or settings.DEBUG  # so that template edits show at once in development
            or request.method != "GET"
            or not coverage.is_anonymous(request)
        ):
            return self.get_response(request)
        request.get_host()  # ALLOWED_HOSTS still applies (raises DisallowedHost)
        key = coverage.response_key(request, view)
        if key is None:
            return self.get_response(request)
        stored = coverage.rendered_get(key)
        if stored is None:
            with coverage.render_lock:  # one render per new version, not one per thread
                stored = coverage.rendered_get(key)
                if stored is None:
                    response = self.get_response(request)
                    if response.status_code != 200 or response.streaming or response.cookies:
                        return response
                    stored = (response.content, list(response.items()))
                    coverage.rendered_put(key, stored)
                    return response
        body, headers = cast(tuple[bytes, list[tuple[str, str]]], stored)
        return self._replay(request, body, headers)

    @staticmethod
    def _replay(request: HttpRequest, body: bytes, headers: list[tuple[str, str]]) -> HttpResponse:
        response = HttpResponse(body)
        for name, value in headers:
            response.headers[name] = value
        last_modified = response.headers.get("Last-Modified")
        conditional = get_conditional_response(
            request,
            etag=response.headers.get("ETag"),
            last_modified=parse_http_date_safe(last_modified) if last_modified else None,
            response=response,
        )
        return conditional or response
