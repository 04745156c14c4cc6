from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core import plugins
from core.access import member, public
from municipalities.selectors import coverage_headline


@public
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/landing.html", {"headline": coverage_headline()})


def home_context(request: HttpRequest) -> dict[str, Any]:
    """Every registered panel's template, in order, and the union of their contexts (a
    key given by two panels is a bug and raises)."""
    context: dict[str, Any] = {"home_panels": []}
    for panel in plugins.home_panels():
        values = panel.context(request)
        clash = set(values) & set(context)
        if clash:
            raise RuntimeError(f"home panel {panel.name!r} repeats context keys {sorted(clash)}")
        context.update(values)
        context["home_panels"].append(panel.template)
    return context


@member
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", home_context(request))
