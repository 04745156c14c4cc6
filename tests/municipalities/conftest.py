import pytest


@pytest.fixture(autouse=True)
def _no_coverage_lock_left():
    """Tests that pretend another process holds the recomputation lock release it."""
    yield
    from django.core.cache import cache

    from municipalities.coverage import COVERAGE_LOCK_KEY

    cache.delete(COVERAGE_LOCK_KEY)
