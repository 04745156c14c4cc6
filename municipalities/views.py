"""The public coverage page, its htmx fragment, the embeddable summary and the open data.

All of it is public and built from `coverage.data()` (one small cache entry). Responses
carry an ETag and Last-Modified derived from the data version (`coverage.etag`), so a
conditional GET is answered with 304 before any rendering, and without a query when the
cache is warm. Complete responses to anonymous visitors are kept and replayed by
`middleware.CoverageFastPathMiddleware` (the views render them once per data version and
variant in each process; they hold nothing personal: no CSRF token, no user).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import condition, require_safe
from django.views.decorators.vary import vary_on_headers

from core.access import public
from core.exports import csv_bytes
from core.middleware import csp_override

from . import coverage
from .forms import DEFAULT_SORT, CoverageQuery
from .selectors import (
    OPEN_DATA_CSV_HEADER,
    coverage_open_data,
    coverage_open_data_table,
    coverage_prefecture_detail,
    coverage_prefecture_table,
    coverage_search,
)
from .svgmap import LEGEND

HTMX_HEADERS = ("HX-Request", "HX-History-Restore-Request")


def _etag(view: str):
    def etag(request: HttpRequest, *args, **kwargs) -> str | None:
        return coverage.etag(request, view)

    return etag


def _last_modified(request: HttpRequest, *args, **kwargs):
    if coverage.query(request).error:
        return None
    return coverage.for_request(request).updated_at


def _data_last_modified(request: HttpRequest, *args, **kwargs):
    return coverage.for_request(request).updated_at


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
    data = coverage.for_request(request)
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
    if coverage.is_anonymous(request):
        patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
    else:
        patch_cache_control(response, private=True, max_age=0, must_revalidate=True)
    return response


@public
@require_safe
@vary_on_headers(*HTMX_HEADERS)
@condition(etag_func=_etag("page"), last_modified_func=_last_modified)
def coverage_page(request: HttpRequest) -> HttpResponse:
    """/coverage/: headline, map, prefecture table, prefecture filter and search."""
    query = coverage.query(request)
    partial = coverage.is_partial(request)
    data = coverage.for_request(request)
    template = "municipalities/coverage.html" + ("#results" if partial else "")
    if query.error:
        context = {"error": query.error, "data": data, "legend": LEGEND, "map_svg": ""}
        error_template = "municipalities/coverage.html" + ("#error" if partial else "")
        return _finish(render(request, error_template, context, status=400), request)
    context = _page_context(request, query)
    context["partial"] = partial
    if not partial:
        context["map_svg"] = coverage.map_svg(data, link=reverse("coverage"), interactive=True)
    if coverage.is_anonymous(request):
        # A body shared between visitors must not carry anyone's CSRF token (the page only
        # makes GET requests).
        context["csrf_token"] = ""
    body = render_to_string(template, context, request=request)
    return _finish(HttpResponse(body), request)


@public
@require_safe
@xframe_options_exempt
@csp_override(frame_ancestors="*")  # other sites may frame the embed
@condition(etag_func=_etag("embed"), last_modified_func=_data_last_modified)
def coverage_embed(request: HttpRequest) -> HttpResponse:
    """/coverage/embed/: the headline and a small map, for other sites to frame."""
    data = coverage.for_request(request)
    context = {
        "data": data,
        "legend": LEGEND,
        "page_url": request.build_absolute_uri(reverse("coverage")),
        "map_svg": coverage.map_svg(data, link=None, interactive=False, id_prefix="cov-embed"),
    }
    response = HttpResponse(render_to_string("municipalities/coverage_embed.html", context))
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
    """/coverage/data.json: a list of {code, prefecture, name, kind, covered} (stable
    English keys and values, for programs)."""
    records = coverage_open_data(coverage.for_request(request))
    body = json.dumps(records, ensure_ascii=False).encode()
    return _open_data_response(body, "application/json; charset=utf-8", "yokoito-coverage.json")


@public
@require_safe
@condition(etag_func=_etag("csv"), last_modified_func=_data_last_modified)
def coverage_csv(request: HttpRequest) -> HttpResponse:
    """/coverage/data.csv: the same records for Excel, through the one CSV writer
    (`core.exports`): Japanese headers and values (団体コード, 都道府県, 団体名, 種別,
    参加 はい/いいえ), UTF-8 with BOM."""
    rows = coverage_open_data_table(coverage.for_request(request))
    body = csv_bytes(OPEN_DATA_CSV_HEADER, rows)
    return _open_data_response(body, "text/csv; charset=utf-8", "yokoito-coverage.csv")
