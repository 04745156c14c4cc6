"""How a view answers a `ServiceError` that is not a form's business: one map from error
codes to HTTP statuses and one page, for every app (discussions, moderation, ...)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .errors import ServiceError

STATUS = {"forbidden": 403, "locked": 403, "not_found": 404, "rate_limited": 429}


def status_of(exc: ServiceError) -> int:
    """The status for a refusal: 403, 404 or 429 by code, else 422 (bad input)."""
    return STATUS.get(exc.code, 422)


def refuse(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    """A 404 is raised (the site's 404 page); anything else is the refusal page with
    the service's Japanese message."""
    status = status_of(exc)
    if status == 404:
        raise Http404(exc.message)
    return render(request, "refused.html", {"message": exc.message}, status=status)
