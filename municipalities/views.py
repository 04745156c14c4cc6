"""The public coverage page, its htmx fragment, the embeddable summary and the open data.

All of it is public and built from `selectors.coverage_data()` (one small cache entry).
Responses carry an ETag and Last-Modified derived from the data version, so a conditional
GET is answered with 304 before any rendering, and without a query when the cache is warm.
Pages for anonymous visitors are rendered once per data version and variant in each
process and then served from memory (they hold nothing personal: no CSRF token, no user).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import condition, require_safe
from django.views.decorators.vary import vary_on_headers

from core.access import public
from core.middleware import csp_override

from .forms import CoverageQuery, coverage_query_parse
from .selectors import (
    DEFAULT_SORT,
    CoverageData,
    coverage_data,
    coverage_open_data,
    coverage_prefecture_detail,
    coverage_prefecture_table,
    coverage_search,
)
from .svgmap import LEGEND, coverage_map

HTMX_HEADERS = ("HX-Request", "HX-History-Restore-Request")

# Rendered bodies for anonymous visitors: {(view, version, variant...): bytes}.
_bodies: dict[tuple, bytes] = {}
_BODIES_LIMIT = 512
_render_lock = threading.Lock()


def _data(request: HttpRequest) -> CoverageData:
    """The coverage data, read from the cache at most once per request."""
    data = getattr(request, "_coverage_data", None)
    if data is None:
        data = request._coverage_data = coverage_data()
    return data


def _is_anonymous(request: HttpRequest) -> bool:
    """No session cookie: certainly nobody signed in and no pending messages (decided
    without touching the session store)."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


def _audience(request: HttpRequest) -> str:
    if _is_anonymous(request):
        return "anon"
    cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    return hashlib.blake2b(cookie.encode(), digest_size=6).hexdigest()


def _is_partial(request: HttpRequest) -> bool:
    """An htmx request for the fragment (a history restore wants the whole page). Read
    from the headers, not `request.htmx`: the fast path runs before HtmxMiddleware."""
    meta = request.META
    return (
        meta.get("HTTP_HX_REQUEST") == "true"
        and meta.get("HTTP_HX_HISTORY_RESTORE_REQUEST") != "true"
    )


def _query(request: HttpRequest) -> CoverageQuery:
    query = getattr(request, "_coverage_query", None)
    if query is None:
        query = request._coverage_query = coverage_query_parse(request.GET)
    return query


def _etag(view: str):
    def etag(request: HttpRequest, *args, **kwargs) -> str | None:
        query = _query(request) if view == "page" else CoverageQuery()
        if query.error:
            return None
        variant = "|".join(
            (
                view,
                _audience(request),
                "partial" if _is_partial(request) else "full",
                query.prefecture,
                query.sort,
                query.q,
            )
        )
        digest = hashlib.blake2b(variant.encode(), digest_size=6).hexdigest()
        return f"{_data(request).version}-{digest}"

    return etag


def _last_modified(request: HttpRequest, *args, **kwargs):
    if _query(request).error:
        return None
    return _data(request).updated_at


def _data_last_modified(request: HttpRequest, *args, **kwargs):
    return _data(request).updated_at


def _cached_body(key: tuple | None, build) -> bytes:
    """The body for `key`, built once per process: when a new data version arrives, one
    thread renders while the others wait for it instead of rendering the same page."""
    if key is None or settings.DEBUG:  # DEBUG: template edits show at once
        return build()
    body = _bodies.get(key)
    if body is None:
        with _render_lock:
            body = _bodies.get(key)
            if body is None:
                body = build()
                if len(_bodies) >= _BODIES_LIMIT:
                    _bodies.clear()
                _bodies[key] = body
    return body


def anonymous_response_key(request: HttpRequest, view: str) -> tuple | None:
    """What a complete response to this anonymous GET depends on, or None when it should
    not be stored (free-text search: unbounded; a bad query string)."""
    data = _data(request)
    if view == "page":
        query = _query(request)
        if query.error or query.q:
            return None
        return (view, data.version, query.prefecture, query.sort, _is_partial(request))
    if view == "embed":
        return (view, data.version, request.get_host())
    return (view, data.version)


def _page_url(*, prefecture: str = "", sort: str = DEFAULT_SORT, q: str = "") -> str:
    params = {}
    if prefecture:
        params["prefecture"] = prefecture
    if q:
        params["q"] = q
    if sort and sort != DEFAULT_SORT:
        params["sort"] = sort
    base = reverse("coverage")
    return f"{base}?{urlencode(params)}" if params else base


SORT_COLUMNS = (
    # (column, label, first direction when chosen)
    ("code", "都道府県", "code"),
    ("covered", "参加自治体", "-covered"),
    ("total", "自治体数", "-total"),
    ("rate", "参加率", "-rate"),
)


def _sort_headers(*, sort: str, prefecture: str, q: str) -> list[dict[str, str]]:
    headers = []
    for column, label, first in SORT_COLUMNS:
        if sort == column:
            state, following = "ascending", f"-{column}"
        elif sort == f"-{column}":
            state, following = "descending", column
        else:
            state, following = "none", first
        headers.append(
            {
                "column": column,
                "label": label,
                "aria_sort": state,
                "url": _page_url(prefecture=prefecture, sort=following, q=q),
            }
        )
    return headers


def _page_context(request: HttpRequest, query: CoverageQuery) -> dict:
    data = _data(request)
    prefecture, sort, q = query.prefecture, query.sort, query.q
    table = [
        {
            "pref": pref,
            "url": _page_url(prefecture=pref.code, sort=sort),
            "selected": pref.code == prefecture,
        }
        for pref in coverage_prefecture_table(data, sort=sort)
    ]
    detail = coverage_prefecture_detail(data, prefecture) if prefecture else None
    search = coverage_search(data, q, prefecture=prefecture or None) if q else None
    return {
        "data": data,
        "legend": LEGEND,
        "table": table,
        "sort": sort,
        "sort_headers": _sort_headers(sort=sort, prefecture=prefecture, q=q),
        "prefecture": prefecture,
        "q": q,
        "detail": detail,
        "search": search,
        "all_url": _page_url(sort=sort),
        "prefectures": data.prefectures,
    }


def _finish(response: HttpResponse, request: HttpRequest) -> HttpResponse:
    # Browsers must revalidate (cheap: 304); shared caches keep one copy per cookie.
    patch_vary_headers(response, ("Cookie",))
    if _is_anonymous(request):
        patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
    else:
        patch_cache_control(response, private=True, max_age=0, must_revalidate=True)
    return response


@public
@require_safe
@vary_on_headers(*HTMX_HEADERS)
@condition(etag_func=_etag("page"), last_modified_func=_last_modified)
def coverage(request: HttpRequest) -> HttpResponse:
    """/coverage/: headline, map, prefecture table, prefecture filter and search."""
    query = _query(request)
    partial = _is_partial(request)
    template = "municipalities/coverage.html" + ("#results" if partial else "")
    if query.error:
        context = {
            "error": query.error,
            "data": _data(request),
            "legend": LEGEND,
            "map_svg": "",
        }
        error_template = "municipalities/coverage.html" + ("#error" if partial else "")
        return _finish(render(request, error_template, context, status=400), request)

    def build(csrf_free: bool) -> bytes:
        context = _page_context(request, query)
        context["partial"] = partial
        if not partial:
            context["map_svg"] = coverage_map(
                _data(request), link=reverse("coverage"), interactive=True
            )
        if csrf_free:
            # A body shared between visitors must not carry anyone's CSRF token (the page
            # only makes GET requests).
            context["csrf_token"] = ""
        return render_to_string(template, context, request=request).encode()

    if _is_anonymous(request):
        key = None
        if not query.q:  # free text would make the key space unbounded
            key = ("page", _data(request).version, query.prefecture, query.sort, partial)
        body = _cached_body(key, lambda: build(True))
        response = HttpResponse(body)
    else:
        response = HttpResponse(build(False))
    return _finish(response, request)


@public
@require_safe
@xframe_options_exempt
@csp_override(frame_ancestors="*")  # other sites may frame the embed
@condition(etag_func=_etag("embed"), last_modified_func=_data_last_modified)
def coverage_embed(request: HttpRequest) -> HttpResponse:
    """/coverage/embed/: the headline and a small map, for other sites to frame."""
    data = _data(request)

    def build() -> bytes:
        context = {
            "data": data,
            "legend": LEGEND,
            "page_url": request.build_absolute_uri(reverse("coverage")),
            "map_svg": coverage_map(data, link=None, interactive=False, id_prefix="cov-embed"),
        }
        return render_to_string("municipalities/coverage_embed.html", context).encode()

    body = _cached_body(("embed", data.version, request.get_host()), build)
    response = HttpResponse(body)
    patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
    return response


def _open_data_response(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
    return response


@public
@require_safe
@condition(etag_func=_etag("json"), last_modified_func=_data_last_modified)
def coverage_json(request: HttpRequest) -> HttpResponse:
    """/coverage/data.json: a list of {code, prefecture, name, kind, covered}."""
    data = _data(request)

    def build() -> bytes:
        return json.dumps(coverage_open_data(data), ensure_ascii=False).encode()

    body = _cached_body(("json", data.version), build)
    return _open_data_response(body, "application/json; charset=utf-8", "yokoito-coverage.json")


@public
@require_safe
@condition(etag_func=_etag("csv"), last_modified_func=_data_last_modified)
def coverage_csv(request: HttpRequest) -> HttpResponse:
    """/coverage/data.csv: the same records as CSV, UTF-8 with BOM so that Excel opens it."""
    data = _data(request)

    def build() -> bytes:
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["code", "prefecture", "name", "kind", "covered"])
        for record in coverage_open_data(data):
            writer.writerow(
                [
                    record["code"],
                    record["prefecture"],
                    record["name"],
                    record["kind"],
                    "true" if record["covered"] else "false",
                ]
            )
        return out.getvalue().encode("utf-8")

    body = _cached_body(("csv", data.version), build)
    return _open_data_response(body, "text/csv; charset=utf-8", "yokoito-coverage.csv")
