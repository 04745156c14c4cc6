"""Thin views: /search/ (members) and the 似た質問 fragment under a new question's title."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from core.access import member

from . import registry, selectors


@member
@require_GET
@vary_on_headers("HX-Request")
def search(request):
    filters = selectors.Filters.parse(request.GET)
    results = selectors.search(user=request.user, filters=filters, page=request.GET.get("page"))
    context = {
        "filters": filters,
        "results": results,
        "kinds": [(k.name, k.label) for k in registry.kinds()],
        "sections": selectors.section_choices(),
        "states": selectors.STATES,
        "periods": {k: v[0] for k, v in selectors.PERIODS.items()},
        "sorts": selectors.SORTS,
        "query": urlencode(filters.as_query()),
        "sort_links": [
            (key, label, urlencode(filters.as_query(sort=key if key != "relevance" else "")))
            for key, label in selectors.SORTS.items()
        ],
    }
    template = "search/search.html#results" if request.htmx else "search/search.html"
    return render(request, template, context)


@member
@require_GET
def similar(request):
    """The 似た質問 list for the title typed so far (htmx fragment)."""
    title = request.GET.get("title", "")
    found = selectors.similar(user=request.user, title=title)
    return render(
        request,
        "search/_similar.html",
        {"similar": found, "asked": len(title.strip()) >= selectors.SIMILAR_MIN},
    )
