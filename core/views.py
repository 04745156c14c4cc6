from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from municipalities.selectors import coverage_headline

from .access import member, public

logger = logging.getLogger(__name__)


@public
def landing(request):
    return render(request, "core/landing.html", {"headline": coverage_headline()})


def _broker_status() -> str:
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:
        logger.warning("healthz: broker unreachable: %s", exc)
        return "unavailable"


def _cache_status() -> str:
    """ "ok", or "unavailable" when the shared cache does not answer (the site then runs on
    each process's memory: see core/cache.py)."""
    from django.core.cache import cache

    probe = getattr(cache, "probe", None)  # core.cache.ResilientRedisCache asks Redis itself
    try:
        if probe is not None:
            return "ok" if probe() else "unavailable"
        cache.set("healthz:probe", "1", timeout=10)
        return "ok" if cache.get("healthz:probe") == "1" else "unavailable"
    except Exception as exc:
        logger.warning("healthz: cache unreachable: %s", exc)
        return "unavailable"


@public
@never_cache
def healthz(request):
    status = {"database": "ok", "broker": _broker_status(), "cache": _cache_status()}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        logger.error("healthz: database unreachable: %s", exc)
        status["database"] = "unavailable"
    status["broker_url"] = "redis" if settings.REDIS_URL else "filesystem"
    code = 200 if status["database"] == "ok" else 503
    healthy = code == 200 and status["broker"] == "ok" and status["cache"] == "ok"
    status["status"] = "ok" if healthy else "degraded"
    return JsonResponse(status, status=code)


@member
def home(request):
    from events.selectors import registrations_upcoming
    from sections.selectors import my_sections
    from trainings.selectors import trainings_open_for

    context = {
        "home_panels": [
            "sections/_home_my_sections.html",
            "events/_home_upcoming.html",
            "broadcasts/_home_panel.html",
            "trainings/_home_open.html",
        ],
        "my_sections": my_sections(user=request.user),
        "my_upcoming": registrations_upcoming(user=request.user, limit=8),
        "open_trainings": trainings_open_for(user=request.user, limit=3),
    }
    return render(request, "core/home.html", context)
