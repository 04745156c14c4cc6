"""Input that no page can use is refused before any view runs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

NUL = "\x00"
NUL_MESSAGE = (
    "リクエストに使えない文字（NUL 文字）が含まれています。入力を確かめてもう一度お試しください。"
)


def _has_nul(querydict) -> bool:
    return any(NUL in key or any(NUL in v for v in values) for key, values in querydict.lists())


class RejectNulMiddleware:
    """400 for a NUL character in the path, the query string or a form field.

    No form of ours accepts NUL (Django's CharField refuses it), but a value read with
    `request.GET.get(...)`, a path token or an admin filter went to the database as it
    was, and PostgreSQL refuses NUL in text with an error (a 500). Nothing legitimate
    contains NUL, so it is refused here once, for every view including the admin. A NUL in
    the session cookie is treated as no session (it would reach the session lookup too).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings

        cookie = settings.SESSION_COOKIE_NAME
        if NUL in request.COOKIES.get(cookie, ""):
            del request.COOKIES[cookie]
        if NUL in request.path or _has_nul(request.GET) or _has_nul(request.POST):
            return HttpResponseBadRequest(
                f'<!doctype html><html lang="ja"><meta charset="utf-8">'
                f"<title>不正なリクエスト</title><p>{NUL_MESSAGE}</p></html>",
                content_type="text/html; charset=utf-8",
            )
        return self.get_response(request)
