from __future__ import annotations

import os

import pytest

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def service_unavailable(reason: str) -> None:
    """Skip with a reason, or fail when REQUIRE_SERVICES=1 (CI)."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1, so this is a failure, not a skip)")
    pytest.skip(reason)


@pytest.fixture
def postgres(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        service_unavailable("needs PostgreSQL: set DATABASE_URL=postgres://…")
    return connection


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        service_unavailable("needs Redis: set REDIS_URL=redis://…")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # pragma: no cover - depends on the machine
        service_unavailable(f"Redis at {url} does not answer: {exc}")
    return url


@pytest.fixture
def local_governments(db):
    """The 1,788 rows: the data migration loads them, but transactional tests flush them."""
    from municipalities.codes import read_default
    from municipalities.models import LocalGovernment
    from municipalities.services import local_governments_load

    if LocalGovernment.objects.count() < 1788:
        local_governments_load(rows=read_default())
    return LocalGovernment.objects.all()


@pytest.fixture(autouse=True)
def _coverage_cache_fresh():
    """Coverage is cached (municipalities.coverage): start every test without numbers or
    pages left over from an earlier one."""
    from moderation import selectors as moderation_selectors
    from municipalities import coverage
    from renewals import selectors as renewal_selectors

    coverage.forget()
    # A fresh database has no 年度更新 cycle and no 行動規範: start from the answers each
    # process keeps for a minute (their services forget them when they change), so a
    # page's first request costs what every later one does.
    renewal_selectors.assume(live=False)
    moderation_selectors.conduct_assume(None)
    yield
