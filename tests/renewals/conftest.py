"""Shared fixtures for 年度更新: a cycle placed around today, so that the write guard and
the banner (which read the clock) see the phase the test wants."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from renewals import services
from renewals.models import Cycle


def make_cycle(*, opened_days_ago: int = 10, due_in: int = 20, grace_after_due: int = 31, **kw):
    today = timezone.localdate()
    opens_on = today - dt.timedelta(days=opened_days_ago)
    due_on = today + dt.timedelta(days=due_in)
    return services.cycle_create(
        fiscal_year=kw.pop("fiscal_year", today.year),
        opens_on=opens_on,
        due_on=due_on,
        grace_until=due_on + dt.timedelta(days=grace_after_due),
        actor=None,
    )


def open_cycle(cycle: Cycle, *, now=None) -> int:
    return services.cycle_open(cycle_id=cycle.pk, now=now, approved_before=timezone.now())


@pytest.fixture
def cycle(db):
    """A running cycle (opened 10 days ago, due in 20 days)."""
    return make_cycle()


@pytest.fixture
def overdue_cycle(db):
    """A cycle whose due date was yesterday: its unconfirmed members are 要確認."""
    return make_cycle(opened_days_ago=40, due_in=-1, grace_after_due=31)
