from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from .access import public

logger = logging.getLogger(__name__)


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
