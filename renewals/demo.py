"""Demo for `make run`: an open 年度更新 (opened two weeks ago, due in 16 days) for this
year, with most demo members still to confirm and some who have. Idempotent."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import User

from . import services
from .models import Cycle, Renewal


def seed(stdout) -> None:
    now = timezone.now()
    today = timezone.localdate(now)
    if Cycle.objects.exists():
        stdout.write("renewals: a cycle exists already")
        return
    cycle = services.cycle_create(
        fiscal_year=today.year,
        opens_on=today - dt.timedelta(days=14),
        due_on=today + dt.timedelta(days=16),
        grace_until=today + dt.timedelta(days=47),
        actor=None,
    )
    # The demo members were created just now: count them all as approved before opening.
    n = services.cycle_open(cycle_id=cycle.pk, now=now, approved_before=now)
    services.reminders_send(now=now)
    confirmed = 0
    for renewal in (
        Renewal.objects.filter(cycle=cycle).select_related("user").order_by("pk")[: n // 3]
    ):
        if renewal.user.status == User.Status.APPROVED:
            services.renewal_confirm(user=renewal.user, choice="unchanged", now=now)
            confirmed += 1
    stdout.write(f"renewals: {cycle} open, {n} members asked, {confirmed} confirmed")
