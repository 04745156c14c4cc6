"""A Redis cache that is an optimisation, never a dependency.

`ResilientRedisCache` is Django's `RedisCache` with a fallback: when Redis does not answer
(connection refused, reset or timed out), the call is answered from this process's memory
instead (a `LocMemCache`), a warning is logged, and Redis is left alone for `RETRY_AFTER`
seconds before the next try (so an outage costs one short timeout per process every few
seconds, not one per call). Everything that uses the cache keeps working, per process:

- allauth's rate limits (sign-up, login, password reset) count in this process's memory:
  the limit still holds, only per process (with N web processes, up to N times the
  configured rate) until Redis answers again; the warning says so;
- the coverage numbers are computed and kept per process (`municipalities.coverage`).

`probe()` asks Redis directly (for `/healthz`). Errors that are not about reaching Redis
(a bad command, a full disk on the Redis side) are not hidden.

Settings (``OPTIONS``): the redis-py connection options (``socket_connect_timeout``,
``socket_timeout``: keep them short, a cache that answers after a second is down), plus
``RETRY_AFTER`` (seconds, default 5).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
# While Redis stays down, say so again at most this often (seconds), per process.
REMIND_EVERY = 60.0


@dataclass
class _Health:
    """Shared by every thread's cache object of one location in this process."""

    down_until: float = 0.0  # time.monotonic(): use memory only until then
    down_since: float | None = None
    last_warning: float = 0.0


_health: dict[str, _Health] = {}
_health_lock = threading.Lock()


def _describe(location: str) -> str:
    """host:port/db without credentials, for log lines."""
    parts = urlsplit(location.split(",")[0].split(";")[0])
    return f"{parts.hostname}:{parts.port or 6379}{parts.path or ''}"


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]):
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("RETRY_AFTER", 5))
        super().__init__(server, {**params, "OPTIONS": options})
        self._where = _describe(server if isinstance(server, str) else ",".join(server))
        with _health_lock:
            self._health = _health.setdefault(
                server if isinstance(server, str) else self._where, _Health()
            )
        # LocMemCache shares its storage by name: every thread of the process sees the same.
        self._memory = LocMemCache(
            f"resilient-fallback:{self._where}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                "OPTIONS": {"MAX_ENTRIES": 10_000, "CULL_FREQUENCY": 3},
            },
        )

    # --- health ----------------------------------------------------------------------------
    @property
    def degraded(self) -> bool:
        """True while calls are answered from this process's memory."""
        return self._health.down_since is not None

    def _went_down(self, exc: Exception) -> None:
        now = time.monotonic()
        health = self._health
        health.down_until = now + self.retry_after
        if health.down_since is None:
            health.down_since = now
            health.last_warning = now
            logger.warning(
                "cache: Redis at %s is unreachable (%s: %s); answering from this process's "
                "memory until it answers again (next try in %.0f s). Meanwhile allauth's rate "
                "limits count per process and coverage is computed per process.",
                self._where,
                type(exc).__name__,
                exc,
                self.retry_after,
            )
        elif now - health.last_warning >= REMIND_EVERY:
            health.last_warning = now
            logger.warning(
                "cache: Redis at %s still unreachable after %.0f s (%s); rate limits still "
                "count per process.",
                self._where,
                now - health.down_since,
                exc,
            )

    def _came_back(self) -> None:
        health = self._health
        if health.down_since is not None:
            logger.warning(
                "cache: Redis at %s answers again after %.0f s; rate limits are shared again.",
                self._where,
                time.monotonic() - health.down_since,
            )
            health.down_since = None
            health.down_until = 0.0

    def probe(self) -> bool:
        """Ask Redis itself (not the fallback): True when it answers a PING."""
        try:
            self._cache.get_client(None, write=True).ping()  # type: ignore[attr-defined]
        except UNREACHABLE as exc:
            self._went_down(exc)
            return False
        self._came_back()
        return True

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() < self._health.down_until:
            return getattr(self._memory, name)(*args, **kwargs)
        try:
            result = getattr(RedisCache, name)(self, *args, **kwargs)
        except UNREACHABLE as exc:
            self._went_down(exc)
            return getattr(self._memory, name)(*args, **kwargs)
        if self._health.down_since is not None:
            self._came_back()
        return result

    # --- the cache API -------------------------------------------------------------------------
    def add(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("add", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("touch", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete_many", *args, **kwargs)

    def clear(self) -> Any:
        self._memory.clear()
        return self._call("clear")
